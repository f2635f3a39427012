'hello world'
