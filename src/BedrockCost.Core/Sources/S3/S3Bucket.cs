using Amazon.S3;
using Amazon.S3.Model;
using BedrockCost.Core.Aws;

namespace BedrockCost.Core.Sources.S3;

/// <summary>
/// One S3 location through the SDK: listing an export the way the layout needs it, and reading objects, with
/// every SDK and network failure mapped to the module's errors. The S3 object stores share it.
/// </summary>
public sealed class S3Bucket : IDisposable
{
    private readonly AwsConnection _connection;
    private readonly IAmazonS3 _s3;

    public S3Bucket(S3Location location, AwsConnection connection)
    {
        Location = location;
        _connection = connection;
        var config = new AmazonS3Config();
        connection.Configure(config);
        if (connection.EndpointUrl is not null) config.ForcePathStyle = true;
        _s3 = new AmazonS3Client(connection.Credentials, config);
    }

    public S3Location Location { get; }

    /// <summary>The endpoint and bucket: an object's identity includes them.</summary>
    public string Identity => $"s3:{_connection.EndpointUrl ?? _connection.Region}:{Location.Bucket}";

    public async Task<IReadOnlyList<StoredObject>> ListAsync(IOperationContext ctx, CancellationToken ct)
    {
        var prefix = Location.Prefix.TrimStart('/');
        // Inside an export (".../EXPORT/data/BILLING_PERIOD=..."): list from the export root so that the
        // layout and the manifests are seen, and keep only the data files under the prefix given.
        var at = ("/" + prefix).IndexOf("/data/", StringComparison.OrdinalIgnoreCase);
        if (at < 0 && ("/" + prefix.TrimEnd('/')).EndsWith("/data", StringComparison.OrdinalIgnoreCase)) at = ("/" + prefix.TrimEnd('/')).Length - 5;
        var listFrom = at >= 0 ? prefix[..at] : prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
        var objects = await ListPrefixAsync(listFrom, ctx, ct).ConfigureAwait(false);
        if (at >= 0) objects = objects.Where(o => !ExportLayout.IsDataFile(o.Key) || o.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        else if (objects.Count == 0 && prefix.Length > 0 && !prefix.EndsWith('/'))
            objects = (await ListPrefixAsync(prefix, ctx, ct).ConfigureAwait(false)).Where(o => o.Key == prefix).ToList();
        ctx.Debug($"Listed {objects.Count} object(s) under s3://{Location.Bucket}/{listFrom}");
        return objects;
    }

    private async Task<List<StoredObject>> ListPrefixAsync(string prefix, IOperationContext ctx, CancellationToken ct)
    {
        var objects = new List<StoredObject>();
        var request = new ListObjectsV2Request { BucketName = Location.Bucket, Prefix = prefix.Length == 0 ? null : prefix };
        do
        {
            var response = await CallAsync(() => _s3.ListObjectsV2Async(request, ct), $"listing s3://{Location.Bucket}/{prefix}", ct).ConfigureAwait(false);
            foreach (var o in response.S3Objects ?? new List<S3Object>())
                if (!o.Key.EndsWith('/'))
                    objects.Add(new StoredObject(o.Key, o.Size ?? 0, o.LastModified is { } lm ? new DateTimeOffset(DateTime.SpecifyKind(lm, lm.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : lm.Kind)) : default, o.ETag?.Trim('"')));
            request.ContinuationToken = response.NextContinuationToken;
            if (response.IsTruncated == true) ctx.Debug($"Listed {objects.Count} object(s) so far under s3://{Location.Bucket}/{prefix}");
            if (response.IsTruncated != true) break;
        } while (!string.IsNullOrEmpty(request.ContinuationToken));
        return objects;
    }

    /// <summary>The content of the listed version of <paramref name="obj"/> (a network stream; map its read failures with <see cref="CallAsync{T}"/>).</summary>
    public async Task<Stream> GetAsync(StoredObject obj, CancellationToken ct)
    {
        var request = new GetObjectRequest { BucketName = Location.Bucket, Key = obj.Key };
        // Only that version of the object: one that changed since the listing fails (PreconditionFailed).
        if (!string.IsNullOrEmpty(obj.ETag)) request.EtagToMatch = $"\"{obj.ETag}\"";
        var response = await _s3.GetObjectAsync(request, ct).ConfigureAwait(false);
        return response.ResponseStream;
    }

    /// <summary>Runs an S3 call; SDK, network and timeout failures become the module's errors, naming <paramref name="what"/>.</summary>
    public async Task<T> CallAsync<T>(Func<Task<T>> action, string what, CancellationToken ct)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw AwsErrors.Map(new TimeoutException("The request timed out.", e), what, Location.ToString(), _connection.Region);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0 && e.InnerExceptions.All(x => x is not OperationCanceledException))
        {
            throw AwsErrors.Map(e.InnerExceptions[0], what, Location.ToString(), _connection.Region);
        }
        catch (Exception e) when (e is not BedrockCostException && AwsErrors.IsAwsFailure(e))
        {
            var mapped = AwsErrors.Map(e, what, Location.ToString(), _connection.Region);
            // A version changed between listing and download (EtagToMatch): the export is being refreshed.
            if (e is AmazonS3Exception { StatusCode: System.Net.HttpStatusCode.PreconditionFailed })
                mapped = new BedrockCostException(ErrorIds.S3ObjectNotFound, ErrorKind.ResourceUnavailable,
                    $"An object changed while it was being read ({what}); the export is being refreshed. Run the command again.", Location.ToString(), e);
            throw mapped;
        }
    }

    public void Dispose() => _s3.Dispose();
}
