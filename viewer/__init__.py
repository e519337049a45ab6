"""Qt widgets that show images and let people interact with them."""
