"""``iipeval weights``: the group (:mod:`.group`) and one module per subcommand."""
