-- wrk script: POST the PNG named by the PNG environment variable as image/png.
local file = assert(io.open(os.getenv("PNG"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
wrk.headers["Content-Type"] = "image/png"
file:close()
