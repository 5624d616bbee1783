using System.Net;
using System.Text;
using BedrockCost.Core;
using BedrockCost.Core.Aggregation;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.S3;
using Xunit;

namespace BedrockCost.Core.Tests;

public sealed class S3CacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bc-cache-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static StoredObject Obj(string key, long size, string etag) => new(key, size, DateTimeOffset.UnixEpoch, etag);

    private static Func<StoredObject, CancellationToken, Task<Stream>> Content(Func<StoredObject, byte[]> bytes, List<string>? opened = null) =>
        (o, _) => { lock (opened ?? new()) opened?.Add(o.Key); return Task.FromResult<Stream>(new MemoryStream(bytes(o))); };

    [Fact]
    public async Task SecondFetchDownloadsNothingAndAChangedETagDownloadsAgain()
    {
        var cache = new DownloadCache(_dir);
        var objects = Enumerable.Range(1, 6).Select(i => Obj($"cur/e/data/BILLING_PERIOD=2026-05/e-0000{i}.snappy.parquet", 100 + i, $"etag{i}")).ToList();
        var opened = new List<string>();
        var paths = await cache.FetchAsync("bucket", objects, Content(o => new byte[o.Size], opened), NullOperationContext.Instance, default);
        Assert.Equal(6, opened.Count);
        Assert.All(paths.Zip(objects), p => Assert.Equal(p.Second.Size, new FileInfo(p.First).Length));
        Assert.All(paths.Zip(objects), p => Assert.EndsWith(p.Second.Key[(p.Second.Key.LastIndexOf('/') + 1)..], p.First));

        opened.Clear();
        var again = await cache.FetchAsync("bucket", objects, Content(o => new byte[o.Size], opened), NullOperationContext.Instance, default);
        Assert.Empty(opened);
        Assert.Equal(paths, again);

        var restated = objects.Select((o, i) => i == 2 ? o with { ETag = "changed" } : o).ToList();
        var third = await cache.FetchAsync("bucket", restated, Content(o => new byte[o.Size], opened), NullOperationContext.Instance, default);
        Assert.Equal(new[] { objects[2].Key }, opened);
        Assert.NotEqual(paths[2], third[2]);
        // Another bucket with the same key is another object.
        Assert.NotEqual(cache.PathFor("bucket", objects[0]), cache.PathFor("other", objects[0]));
    }

    [Fact]
    public async Task ProgressReportsFilesAndBytesAndCloses()
    {
        var ctx = new RecordingContext();
        var objects = Enumerable.Range(1, 3).Select(i => Obj($"k{i}.parquet", 1000, $"e{i}")).ToList();
        await new DownloadCache(_dir).FetchAsync("b", objects, Content(o => new byte[o.Size]), ctx, default);
        Assert.Contains(ctx.Progress, p => p.Status.StartsWith("3 of 3 file(s)") && p.Status.Contains("MB"));
        Assert.True(ctx.Progress[^1].Completed);
        Assert.Contains(ctx.Verbose, v => v.StartsWith("Downloaded 3 file(s)"));
    }

    [Fact]
    public async Task ATruncatedDownloadLeavesNoFile()
    {
        var cache = new DownloadCache(_dir);
        var obj = Obj("k.parquet", 1000, "e");
        await Assert.ThrowsAsync<IOException>(() => cache.FetchAsync("b", new[] { obj }, Content(_ => new byte[10]), NullOperationContext.Instance, default));
        Assert.Empty(Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories));
        Assert.False(cache.Contains("b", obj));
    }

    [Fact]
    public void TemporaryCacheIsDeletedOnDispose()
    {
        var cache = DownloadCache.CreateTemporary();
        Directory.CreateDirectory(cache.Directory);
        File.WriteAllText(Path.Combine(cache.Directory, "x"), "x");
        cache.Dispose();
        Assert.False(Directory.Exists(cache.Directory));
    }

    [Theory]
    [InlineData("s3://b", "b", "")]
    [InlineData("s3://b/", "b", "")]
    [InlineData("s3://b/cur/export", "b", "cur/export")]
    [InlineData("s3://b/cur/export/", "b", "cur/export/")]
    public void ParsesS3Uris(string uri, string bucket, string prefix)
    {
        var l = S3Location.Parse(uri);
        Assert.Equal(bucket, l.Bucket);
        Assert.Equal(prefix, l.Prefix);
    }

    [Fact]
    public void BuildsLocationsFromParts()
    {
        Assert.Equal(new S3Location("b", "cur/export/"), S3Location.From("b", "/cur/", "export"));
        Assert.Equal(new S3Location("b", "export/"), S3Location.From("b", null, "export"));
        Assert.Equal(ErrorIds.AwsInvalidParameter, Assert.Throws<BedrockCostException>(() => S3Location.Parse("https://b/x")).ErrorId);
        Assert.Equal(ErrorIds.AwsInvalidParameter, Assert.Throws<BedrockCostException>(() => S3Location.From("a/b", null, null)).ErrorId);
    }

    /// <summary>
    /// Cancellation mid-download through the real S3 client, against a local endpoint that serves a listing, then the
    /// first bytes of the object and holds the rest back: once the client has received bytes, the query is cancelled;
    /// it ends with OperationCanceledException, closes its progress and leaves no file in the cache. No timing: the
    /// server's signal says the download is under way, and it cannot finish because the server never sends the rest.
    /// </summary>
    [Fact]
    public async Task CancellingMidDownloadLeavesNoPartialFile()
    {
        using var server = new SlowS3Server(objectSize: 4 << 20);
        var connection = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "AKID", SecretKey: "SECRET", EndpointUrl: server.Url));
        var cacheDir = Path.Combine(_dir, "cache");
        using var source = new CurSource(new S3CachedStore(S3Location.Parse("s3://b/cur/slow"), connection, new DownloadCache(cacheDir)));
        using var cts = new CancellationTokenSource();
        var ctx = new RecordingContext();
        var query = source.QueryAsync(new CostQuery(), ctx, cts.Token);
        await server.FirstBytesSent.WaitAsync(TimeSpan.FromMinutes(2)); // a hang detector, not a speed limit
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => query);
        Assert.True(ctx.Progress[^1].Completed, "progress is closed");
        Assert.True(server.BytesSent < 4 << 20, "the download was interrupted");
        Assert.Empty(Directory.Exists(cacheDir) ? Directory.EnumerateFiles(cacheDir, "*", SearchOption.AllDirectories) : Array.Empty<string>());
    }

    [Fact]
    public async Task ThrottlingIsRetriedWithBackoffThenReported()
    {
        using var server = new SlowS3Server(objectSize: 0, throttle: true);
        var connection = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "AKID", SecretKey: "SECRET", EndpointUrl: server.Url));
        using var source = new CurSource(new S3CachedStore(S3Location.Parse("s3://b/cur/slow"), connection, DownloadCache.CreateTemporary()));
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => source.QueryAsync(new CostQuery(), NullOperationContext.Instance, default));
        Assert.Equal(ErrorIds.AwsThrottled, e.ErrorId);
        Assert.Equal(1 + AwsCredentialResolver.MaxRetries, server.Requests);
    }

    [Fact]
    public async Task ALocalDiskFailureIsACacheErrorNotANetworkError()
    {
        // The cache folder cannot be created: a file stands where it should be.
        var blocked = Path.Combine(_dir, "blocked");
        File.WriteAllText(blocked, "not a folder");
        var cache = new DownloadCache(Path.Combine(blocked, "cache"));
        var objects = new[] { Obj("cur/e/data/BILLING_PERIOD=2026-05/e-00001.snappy.parquet", 10, "etag1") };
        var e = await Assert.ThrowsAsync<BedrockCostException>(() =>
            cache.FetchAsync("bucket", objects, Content(o => new byte[o.Size]), NullOperationContext.Instance, default));
        Assert.Equal(ErrorIds.CacheWriteFailed, e.ErrorId);
        Assert.Equal(ErrorKind.WriteError, e.Kind);
        Assert.Contains("-CacheDirectory", e.Message);
    }

    [Fact]
    public async Task AccessDeniedIsAClearError()
    {
        using var server = new SlowS3Server(objectSize: 0, fail: (403,
            "<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>R1</RequestId></Error>", null));
        var connection = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "AKID", SecretKey: "SECRET-VALUE", EndpointUrl: server.Url));
        using var source = new CurSource(new S3CachedStore(S3Location.Parse("s3://b/cur/slow"), connection, DownloadCache.CreateTemporary()));
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => source.QueryAsync(new CostQuery(), NullOperationContext.Instance, default));
        Assert.Equal(ErrorIds.AwsAccessDenied, e.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        Assert.DoesNotContain("SECRET-VALUE", e.Message);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task WrongRegionNamesTheBucketsRegion()
    {
        using var server = new SlowS3Server(objectSize: 0, fail: (301,
            "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message><Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>b</Bucket></Error>",
            "eu-west-1"));
        var connection = AwsCredentialResolver.Resolve(new AwsOptions(AccessKey: "AKID", SecretKey: "SECRET", EndpointUrl: server.Url));
        using var source = new CurSource(new S3CachedStore(S3Location.Parse("s3://b/cur/slow"), connection, DownloadCache.CreateTemporary()));
        var e = await Assert.ThrowsAsync<BedrockCostException>(() => source.QueryAsync(new CostQuery(), NullOperationContext.Instance, default));
        Assert.Equal(ErrorIds.AwsWrongRegion, e.ErrorId);
        Assert.Contains("eu-west-1", e.Message);
    }

    private sealed class RecordingContext : IOperationContext
    {
        public List<string> Verbose { get; } = new();
        public List<ProgressReport> Progress { get; } = new();
        void IOperationContext.Verbose(string message) { lock (Verbose) Verbose.Add(message); }
        public void Debug(string message) { }
        public void Warning(string message) { }
        void IOperationContext.Progress(ProgressReport report) { lock (Progress) Progress.Add(report); }
    }

    /// <summary>
    /// A minimal S3 endpoint: one listed object, of which it sends the first 16 KiB and then holds the response open
    /// until disposed (<see cref="FirstBytesSent"/> completes once they are out); or 503 SlowDown, or a given error, to everything.
    /// </summary>
    private sealed class SlowS3Server(int objectSize, bool throttle = false, (int Status, string Body, string? Region)? fail = null) : LoopbackServer
    {
        private readonly int _size = objectSize;
        private readonly bool _throttle = throttle;
        private readonly (int Status, string Body, string? Region)? _fail = fail;
        private long _sent;
        private int _requests;

        public long BytesSent => Interlocked.Read(ref _sent);
        public int Requests => Volatile.Read(ref _requests);
        private readonly TaskCompletionSource _firstBytes = new(TaskCreationOptions.RunContinuationsAsynchronously);
        /// <summary>Completes when the first bytes of the object have been sent and flushed.</summary>
        public Task FirstBytesSent => _firstBytes.Task;

        protected override async Task HandleAsync(HttpListenerContext c)
        {
            Interlocked.Increment(ref _requests);
            if (_fail is { } f)
            {
                if (f.Region is not null) c.Response.AddHeader("x-amz-bucket-region", f.Region);
                await Reply(c, f.Status, f.Body);
                return;
            }
            if (_throttle)
            {
                await Reply(c, 503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
                return;
            }
            if (c.Request.QueryString["list-type"] == "2")
            {
                await Reply(c, 200, $"""
                    <?xml version="1.0" encoding="UTF-8"?>
                    <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>cur/slow/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>
                    <Contents><Key>cur/slow/data/BILLING_PERIOD=2026-05/slow-00001.snappy.parquet</Key><LastModified>2026-06-01T00:00:00.000Z</LastModified><ETag>"0123456789abcdef"</ETag><Size>{_size}</Size><StorageClass>STANDARD</StorageClass></Contents>
                    </ListBucketResult>
                    """);
                return;
            }
            c.Response.StatusCode = 200;
            c.Response.ContentLength64 = _size;
            c.Response.AddHeader("ETag", "\"0123456789abcdef\"");
            c.Response.ContentType = "application/octet-stream";
            var chunk = new byte[Math.Min(16 << 10, _size)];
            await c.Response.OutputStream.WriteAsync(chunk);
            await c.Response.OutputStream.FlushAsync();
            Interlocked.Add(ref _sent, chunk.Length);
            _firstBytes.TrySetResult();
            // The rest never comes: the client can only end by cancelling (or by the server being disposed).
            await Task.Delay(Timeout.Infinite, Stopping.Token);
        }
    }
}
