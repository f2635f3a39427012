["one","two",[],"three"]
