"\b\e\f\n\r \t\v'\"\\"
