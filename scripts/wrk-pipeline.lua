-- wrk script for HTTP pipelining: each write carries DEPTH requests for /plaintext
-- (default 16, from the environment variable PIPELINE_DEPTH), as in TechEmpower's
-- plaintext test. wrk counts every response, so requests/s counts requests, not batches.
local depth = tonumber(os.getenv("PIPELINE_DEPTH") or "16")

init = function(args)
  local batch = {}
  for i = 1, depth do batch[i] = wrk.format("GET", "/plaintext") end
  request_batch = table.concat(batch)
end

request = function()
  return request_batch
end
