"""The window's state, without Qt: open documents, frames and what each frame shows.

Views and panels subscribe to :class:`~skyglass.model.workspace.Workspace` events; every
change goes through the workspace, which announces it once. Nothing here imports Qt, so
the model runs (and is tested) headless, and scripting (DS9 commands, SAMP) acts on it.
"""
