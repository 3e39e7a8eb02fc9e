"""Stage 2, expand and execute: cases × variants × samples become requests, run by an executor
(in this process, in `--workers` processes, or on Ray), scored and written as they finish;
shard folders merge into one result."""
