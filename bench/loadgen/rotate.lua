-- wrk script: sends pre-built requests in turn and prints the results as one JSON line.
--
--   wrk -t T -c C -d 30s --latency -s bench/loadgen/rotate.lua URL -- REQUESTS_FILE T
--
-- REQUESTS_FILE has one request per line, fields separated by tabs:
--   METHOD <tab> PATH <tab> Header-Name: value <tab> ... <tab> BODY
-- (the body is the last field and may be empty; it holds no tab or newline).
-- wrk thread k (of T) sends lines k, k+T, k+2T, ... of the file, so each line is sent once
-- until the file is used up (then the thread starts its share again: the caller makes the
-- file long enough). Answers are counted by status, with the first body of each status
-- >= 400 kept as a sample. The last line printed is "WRK_JSON {...}" with the latency
-- percentiles in microseconds.

local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("id", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

local function split(line, separator)
   local fields = {}
   local start = 1
   while true do
      local at = string.find(line, separator, start, true)
      if not at then
         table.insert(fields, string.sub(line, start))
         return fields
      end
      table.insert(fields, string.sub(line, start, at - 1))
      start = at + 1
   end
end

function init(args)
   local path, total_threads = args[1], tonumber(args[2])
   requests = {}
   statuses = {}
   samples = {}
   local n = 0
   for line in io.lines(path) do
      if line ~= "" and n % total_threads == id then
         local fields = split(line, "\t")
         local headers = {}
         for k = 3, #fields - 1 do
            local name, value = string.match(fields[k], "^([^:]+):%s*(.*)$")
            headers[name] = value
         end
         local body = fields[#fields]
         if body == "" then
            body = nil
         end
         table.insert(requests, wrk.format(fields[1], fields[2], headers, body))
      end
      n = n + 1
   end
   if #requests == 0 then
      error("no requests for thread " .. id .. " in " .. path)
   end
   position = 0
   sent = 0
end

function request()
   position = position % #requests + 1
   sent = sent + 1
   return requests[position]
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status >= 400 and samples[status] == nil then
      samples[status] = string.sub(body or "", 1, 400)
   end
end

local function quote(text)
   text = string.gsub(text, '[%c"\\]', function(c)
      if c == '"' then
         return '\\"'
      elseif c == "\\" then
         return "\\\\"
      end
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. text .. '"'
end

function done(summary, latency, requests_done)
   local counts, bodies, sent_total, available = {}, {}, 0, 0
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("statuses")) do
         counts[status] = (counts[status] or 0) + n
      end
      for status, body in pairs(thread:get("samples")) do
         bodies[status] = bodies[status] or body
      end
      sent_total = sent_total + thread:get("sent")
      available = available + #thread:get("requests")
   end
   local parts = {}
   for status, n in pairs(counts) do
      table.insert(parts, string.format('"%d":%d', status, n))
   end
   local sample_parts = {}
   for status, body in pairs(bodies) do
      table.insert(sample_parts, string.format('"%d":%s', status, quote(body)))
   end
   local e = summary.errors
   io.write(
      "WRK_JSON ",
      string.format(
         '{"duration_us":%d,"requests":%d,"bytes":%d,"sent":%d,"available":%d,'
            .. '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"non_2xx_3xx":%d,'
            .. '"statuses":{%s},"samples":{%s},'
            .. '"latency_us":{"p50":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%.1f,"stdev":%.1f}}',
         summary.duration,
         summary.requests,
         summary.bytes,
         sent_total,
         available,
         e.connect,
         e.read,
         e.write,
         e.timeout,
         e.status,
         table.concat(parts, ","),
         table.concat(sample_parts, ","),
         latency:percentile(50),
         latency:percentile(90),
         latency:percentile(95),
         latency:percentile(99),
         latency.max,
         latency.mean,
         latency.stdev
      ),
      "\n"
   )
end
