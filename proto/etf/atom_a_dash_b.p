'a-b'
