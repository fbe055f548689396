"""Date formats for Spanish: one per kind, 24-hour times (ITU states deadlines so)."""

DATE_FORMAT = "j \\d\\e F \\d\\e Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j \\d\\e F \\d\\e Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
MONTH_DAY_FORMAT = "j \\d\\e F"
YEAR_MONTH_FORMAT = "F \\d\\e Y"
