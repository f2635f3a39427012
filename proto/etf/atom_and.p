'and'
