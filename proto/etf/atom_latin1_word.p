café
