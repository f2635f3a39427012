'a b'
