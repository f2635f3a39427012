[a|b]
