fun 'My.Mod':'do it'/0
