-- wrk script: walk through many personal feeds, one path per request (BENCH_LIST: lines "path<TAB>etag");
-- with BENCH_CONDITIONAL=1 each request carries its feed's ETag in If-None-Match (the answer is then 304).
local paths, etags = {}, {}
for line in io.lines(os.getenv("BENCH_LIST")) do
  local path, etag = line:match("([^\t]+)\t(.*)")
  if path then
    paths[#paths + 1] = path
    etags[#etags + 1] = etag
  end
end
local conditional = os.getenv("BENCH_CONDITIONAL") == "1"
local i = 0

function init(args)
  -- each wrk thread starts at another place in the list
  i = math.random(#paths)
end

function request()
  i = i % #paths + 1
  local headers = {}
  if conditional then
    headers["If-None-Match"] = etags[i]
  end
  return wrk.format("GET", paths[i], headers)
end
