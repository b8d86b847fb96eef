"""The customer's side of the conversation, one module per feature."""
