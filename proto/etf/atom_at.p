a@b
