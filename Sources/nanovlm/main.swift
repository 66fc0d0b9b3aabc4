print("nanovlm")
