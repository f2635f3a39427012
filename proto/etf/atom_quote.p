'it\'s'
