using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace BedrockCost.Core.Tests.Integrity;

/// <summary>
/// A small S3 endpoint on 127.0.0.1 for the hostile corpus: path-style ListObjectsV2 (pages, continuation tokens,
/// encoding-type=url) and GetObject (If-Match, Content-Length, ETag), speaking the REST/XML protocol the SDK
/// expects, with switches that make it lie: keys and ETags with control characters, sizes that are not the
/// sizes served, a continuation token that repeats, pages without end, bytes flipped. It records what it was
/// asked (request headers included) so tests can see what reached it.
/// </summary>
internal sealed class HostileS3Server(string bucket = "b") : LoopbackServer
{
    private int _requests, _gets;

    public string Bucket { get; } = bucket;
    public int Requests => Volatile.Read(ref _requests);
    /// <summary>GetObject requests served (a listing is not one).</summary>
    public int Gets => Volatile.Read(ref _gets);
    /// <summary>Every request's header names and values, in arrival order.</summary>
    public ConcurrentQueue<(string Path, IReadOnlyList<(string Name, string Value)> Headers)> Received { get; } = new();

    /// <summary>The objects: content, ETag, and optionally a listed size other than the content's.</summary>
    public ConcurrentDictionary<string, ServedObject> Objects { get; } = new(StringComparer.Ordinal);

    public ListingMode Listing { get; set; } = ListingMode.Normal;
    /// <summary>Keys per listing page (S3: up to 1,000).</summary>
    public int PageSize { get; set; } = 1000;

    public sealed record ServedObject(byte[] Content, string ETag, long? ListedSize = null, byte[]? Served = null, bool ExtraBytes = false)
    {
        public long Size => ListedSize ?? Content.Length;
    }

    public enum ListingMode { Normal, RepeatToken, EndlessEmptyPages }

    public void Put(string key, byte[] content, string? etag = null) =>
        Objects[key] = new ServedObject(content, etag ?? Convert.ToHexString(System.Security.Cryptography.MD5.HashData(content)).ToLowerInvariant());

    protected override async Task HandleAsync(HttpListenerContext c)
    {
        Interlocked.Increment(ref _requests);
        var path = Uri.UnescapeDataString(c.Request.Url!.AbsolutePath);
        Received.Enqueue((path, c.Request.Headers.AllKeys.Select(k => (k!, c.Request.Headers[k] ?? "")).ToList()));
        var bucketPrefix = "/" + Bucket;
        if (!path.StartsWith(bucketPrefix, StringComparison.Ordinal)) { await Reply(c, 404, Error("NoSuchBucket", "The specified bucket does not exist")); return; }
        var key = path.Length > bucketPrefix.Length + 1 ? path[(bucketPrefix.Length + 1)..] : "";
        if (key.Length == 0 && c.Request.QueryString["list-type"] == "2") { await ListAsync(c); return; }
        if (!Objects.TryGetValue(key, out var obj)) { await Reply(c, 404, Error("NoSuchKey", "The specified key does not exist.")); return; }
        Interlocked.Increment(ref _gets);
        var ifMatch = c.Request.Headers["If-Match"];
        if (ifMatch is not null && ifMatch.Trim('"') != obj.ETag) { await Reply(c, 412, Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold")); return; }
        var body = obj.Served ?? obj.Content;
        if (obj.ExtraBytes) body = body.Concat(new byte[4096]).ToArray();
        c.Response.StatusCode = 200;
        c.Response.ContentType = "application/octet-stream";
        c.Response.ContentLength64 = body.Length;
        c.Response.AddHeader("ETag", $"\"{obj.ETag}\"");
        c.Response.AddHeader("Last-Modified", "Mon, 01 Jun 2026 00:00:00 GMT");
        await c.Response.OutputStream.WriteAsync(body);
        c.Response.Close();
    }

    private async Task ListAsync(HttpListenerContext c)
    {
        var q = c.Request.QueryString;
        var prefix = q["prefix"] ?? "";
        var token = q["continuation-token"];
        var url = q["encoding-type"] == "url";
        var sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
        sb.Append($"<Name>{Bucket}</Name><Prefix>{Xml(prefix, url)}</Prefix><MaxKeys>{PageSize}</MaxKeys>");
        if (url) sb.Append("<EncodingType>url</EncodingType>");
        switch (Listing)
        {
            case ListingMode.RepeatToken:
                // Always more to come, always the same token: a client that trusts it lists forever.
                AppendContents(sb, Objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).Take(1), url);
                sb.Append("<KeyCount>1</KeyCount><IsTruncated>true</IsTruncated><NextContinuationToken>same-token</NextContinuationToken>");
                break;
            case ListingMode.EndlessEmptyPages:
                sb.Append($"<KeyCount>0</KeyCount><IsTruncated>true</IsTruncated><NextContinuationToken>page-{Guid.NewGuid():N}</NextContinuationToken>");
                break;
            default:
            {
                var all = Objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
                var start = token is null ? 0 : int.Parse(token[5..]);
                var page = all.Skip(start).Take(PageSize).ToList();
                AppendContents(sb, page, url);
                var more = start + page.Count < all.Count;
                sb.Append($"<KeyCount>{page.Count}</KeyCount><IsTruncated>{(more ? "true" : "false")}</IsTruncated>");
                if (more) sb.Append($"<NextContinuationToken>next-{start + page.Count}</NextContinuationToken>");
                break;
            }
        }
        sb.Append("</ListBucketResult>");
        await Reply(c, 200, sb.ToString());
    }

    private static void AppendContents(StringBuilder sb, IEnumerable<KeyValuePair<string, ServedObject>> objects, bool url)
    {
        foreach (var (key, o) in objects)
            sb.Append($"<Contents><Key>{Xml(key, url)}</Key><LastModified>2026-06-01T00:00:00.000Z</LastModified>" +
                      $"<ETag>&quot;{Xml(o.ETag, false)}&quot;</ETag><Size>{o.Size}</Size><StorageClass>STANDARD</StorageClass></Contents>");
    }

    /// <summary>XML text; with encoding-type=url, URL-encoded as S3 does it ('/' kept). CR, LF and tab go out as character references.</summary>
    private static string Xml(string s, bool url)
    {
        if (url) s = Uri.EscapeDataString(s).Replace("%2F", "/");
        var sb = new StringBuilder();
        foreach (var ch in s)
            sb.Append(ch switch
            {
                '<' => "&lt;", '>' => "&gt;", '&' => "&amp;", '"' => "&quot;", '\'' => "&apos;",
                '\r' => "&#13;", '\n' => "&#10;", '\t' => "&#9;",
                _ => ch.ToString(),
            });
        return sb.ToString();
    }

    private static string Error(string code, string message) =>
        $"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>R1</RequestId></Error>";
}
