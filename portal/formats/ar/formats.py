"""Arabic dates as CLDR writes them ("3 ديسمبر 2026، 11:36 ص"): Django has no Arabic
DATETIME_FORMAT, so the English "N j, Y, P" gave "ديسمبر 3, 2026, 11:36 ص"."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "j F Y، g:i A"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d‏/m‏/Y"
SHORT_DATETIME_FORMAT = "d‏/m‏/Y، g:i A"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
