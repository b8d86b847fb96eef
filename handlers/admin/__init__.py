"""The merchant's side of the conversation: orders, returns, stock, products, support,
reports. Every action goes through a service that checks the person is an admin."""
