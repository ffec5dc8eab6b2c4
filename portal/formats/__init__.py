"""Date and number formats where Django's own differ from CLDR (FORMAT_MODULE_PATH)."""
