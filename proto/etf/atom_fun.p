'fun'
