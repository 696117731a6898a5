"""Orders: sales channels, order intake (Shopify, WooCommerce, CSV, API) and the order lifecycle."""
