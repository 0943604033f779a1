"""The expert panel: its roster, its signed record, the forms it is issued and which returns count."""
