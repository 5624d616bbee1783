using System.Management.Automation;
using BedrockCost.Core;
using BedrockCost.Core.Aws;
using BedrockCost.Core.Sources;

namespace BedrockCost.Abstractions;

/// <summary>
/// Where CUR 2.0 data lives: local files (-Path / -LiteralPath) or an S3 export (-S3Uri, or -Bucket with
/// -Prefix / -ExportName) with a local download cache (-CacheDirectory, -NoCache). Paths arrive from the
/// pipeline one by one and are read as one data set in EndProcessing.
/// </summary>
public abstract class CurSourceCmdlet : AwsCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    [Parameter(ParameterSetName = S3Set, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string S3Uri { get; set; } = string.Empty;

    [Parameter(ParameterSetName = S3BucketSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("BucketName")]
    [ValidateNotNullOrEmpty]
    public string Bucket { get; set; } = string.Empty;

    // Prefix and ExportName do not bind from the pipeline: CostExport objects carry an ExportName and
    // must bind to -S3Uri alone.
    [Parameter(ParameterSetName = S3BucketSet)]
    [Alias("KeyPrefix")]
    public string? Prefix { get; set; }

    [Parameter(ParameterSetName = S3BucketSet)]
    public string? ExportName { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    [ValidateNotNullOrEmpty]
    public string? CacheDirectory { get; set; }

    [Parameter(ParameterSetName = S3Set)]
    [Parameter(ParameterSetName = S3BucketSet)]
    public SwitchParameter NoCache { get; set; }

    private readonly List<string> _paths = new();
    private readonly List<S3Location> _s3 = new();

    protected bool IsS3 => ParameterSetName is S3Set or S3BucketSet;

    private string? _cacheDirectory;

    /// <summary>Collects the location of each input; resolved on the pipeline thread (the provider is not thread safe).</summary>
    protected override Task ProcessRecordAsync()
    {
        OnPipeline(ResolveInput);
        return Task.CompletedTask;
    }

    /// <summary>Resolved paths (a missing path is an error for that input), or the S3 location and its local paths.</summary>
    private void ResolveInput()
    {
        switch (ParameterSetName)
        {
            case PathSet:
                foreach (var p in Path)
                {
                    try
                    {
                        var resolved = GetResolvedProviderPathFromPSPath(p, out var provider);
                        if (provider.Name != "FileSystem") throw new PSArgumentException($"'{p}' is not a file-system path.");
                        if (resolved.Count == 0) throw new ItemNotFoundException();
                        _paths.AddRange(resolved);
                    }
                    catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException)
                    {
                        WriteError(ErrorRecords.Create(ErrorIds.PathNotFound, ErrorKind.NotFound, $"Cannot find path '{p}' because it does not exist.", p));
                    }
                }
                break;
            case LiteralPathSet:
                foreach (var p in LiteralPath)
                {
                    var resolved = GetUnresolvedProviderPathFromPSPath(p);
                    if (File.Exists(resolved) || Directory.Exists(resolved)) _paths.Add(resolved);
                    else WriteError(ErrorRecords.Create(ErrorIds.PathNotFound, ErrorKind.NotFound, $"Cannot find path '{p}' because it does not exist.", p));
                }
                break;
            case CostExplorerSet:
            case AthenaSet:
                CaptureAwsOptions();
                break;
            case S3Set:
            case S3BucketSet:
                try
                {
                    _s3.Add(ParameterSetName == S3Set ? S3Location.Parse(S3Uri) : S3Location.From(Bucket, Prefix, ExportName));
                }
                catch (BedrockCostException e)
                {
                    ThrowTerminatingError(ErrorRecords.From(e));
                }
                CaptureAwsOptions();
                _cacheDirectory ??= CacheDirectory is null ? null : GetUnresolvedProviderPathFromPSPath(CacheDirectory);
                break;
        }
    }

    /// <summary>True when the cmdlet has a source to read (false when every path failed).</summary>
    protected virtual bool HasSource => _paths.Count > 0 || _s3.Count > 0;

    /// <summary>The CUR source of the parameters. Dispose it after use (S3: client, temporary download folder).</summary>
    protected CurSource CreateCurSource()
    {
        if (!IsS3) return new LocalCurSource(_paths.Distinct(StringComparer.Ordinal).ToList());
        var locations = _s3.Distinct().ToList();
        if (locations.Count != 1)
            throw new BedrockCostException(AwsErrorIds.AwsInvalidParameter, ErrorKind.InvalidArgument,
                $"One S3 location per command; got {string.Join(", ", locations)}. Run the command once per export.", locations[0].ToString());
        var connection = ConnectAws();
        DownloadCache? cache = null;
        if (!NoCache)
        {
            cache = new DownloadCache(_cacheDirectory ?? DownloadCache.DefaultDirectory);
            cache.RemoveStalePartials(TimeSpan.FromHours(1));
            EmitDebug($"Download cache: {cache.Directory}");
        }
        else EmitDebug("Download cache disabled (-NoCache): files go to a temporary folder deleted after the command.");
        return new S3CurSource(locations[0], connection, cache);
    }
}
