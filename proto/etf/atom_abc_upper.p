'Abc'
