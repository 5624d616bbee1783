using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace BedrockCost.TestData;

/// <summary>Uploads a generated export folder to an S3-compatible test server (s3rver).</summary>
public static class Upload
{
    public static async Task<int> RunAsync(string endpoint, string bucket, string dir, string prefix, bool createBucket, bool quiet = false)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            // s3rver stores aws-chunked bodies and trailing checksums verbatim: send plain bodies.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        var key = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? "S3RVER";
        var secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? "S3RVER";
        using var s3 = new AmazonS3Client(new BasicAWSCredentials(key, secret), config);
        if (createBucket)
        {
            try { await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket }); }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists") { }
        }
        var root = Path.GetFullPath(dir);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) is not ("expected.json" or "bench-params.txt")).OrderBy(f => f, StringComparer.Ordinal).ToList();
        var pre = prefix.Trim('/');
        foreach (var file in files)
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            var objectKey = pre.Length == 0 ? rel : $"{pre}/{rel}";
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = objectKey, FilePath = file, UseChunkEncoding = false, DisablePayloadSigning = false });
            if (!quiet) Console.WriteLine($"s3://{bucket}/{objectKey} ({new FileInfo(file).Length} bytes)");
        }
        Console.WriteLine($"{files.Count} file(s) uploaded to s3://{bucket}/{pre}");
        return 0;
    }
}
