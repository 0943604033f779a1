"""The xlwings front end: worksheet functions (UDFs), the buttons' macros, and what they share."""
