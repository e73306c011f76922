mod lifecycle_placeholder {}
