// NanoNN
