fun m:f/255
