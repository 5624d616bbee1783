using System.Management.Automation;
using BedrockCost.Core;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.S3;

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

    protected override IReadOnlyList<string> AwsParameterSets { get; } = new[] { S3Set, S3BucketSet };

    private readonly List<string> _paths = new();
    private readonly List<S3Location> _s3 = new();

    protected bool IsS3 => ParameterSetName is S3Set or S3BucketSet;

    private string? _cacheDirectory;

    /// <summary>Collects the location of each input; resolved on the pipeline thread (the provider is not thread safe).</summary>
    protected override Task ProcessRecordAsync() => InvokeOnPipelineAsync(ResolveInput);

    /// <summary>Resolved paths (a path that is missing or not on the file system is an error for that input), or the S3 location.</summary>
    private void ResolveInput()
    {
        switch (ParameterSetName)
        {
            case PathSet:
                foreach (var p in Path)
                {
                    try { _paths.AddRange(FileSystemPath.Resolved(this, p)); }
                    catch (BedrockCostException e) { WriteError(ErrorRecords.From(e)); }
                }
                break;
            case LiteralPathSet:
                foreach (var p in LiteralPath)
                {
                    try
                    {
                        var resolved = FileSystemPath.Unresolved(this, p);
                        if (File.Exists(resolved) || Directory.Exists(resolved)) _paths.Add(resolved);
                        else throw FileSystemPath.NotFound(p, null);
                    }
                    catch (BedrockCostException e) { WriteError(ErrorRecords.From(e)); }
                }
                break;
            case S3Set:
            case S3BucketSet:
                _s3.Add(ParameterSetName == S3Set ? S3Location.Parse(S3Uri) : S3Location.From(Bucket, Prefix, ExportName));
                _cacheDirectory ??= CacheDirectory is null ? null : FileSystemPath.Unresolved(this, CacheDirectory);
                break;
        }
    }

    /// <summary>True when the cmdlet has a source to read (false when every path failed).</summary>
    protected virtual bool HasSource => _paths.Count > 0 || _s3.Count > 0;

    /// <summary>The CUR source of the parameters. Dispose it after use (S3: client, temporary download folder).</summary>
    /// <param name="listOnly">The source is only listed (-WhatIf): the download cache is neither used nor cleaned.</param>
    protected async Task<CurSource> CreateCurSourceAsync(bool listOnly = false)
    {
        var reopen = await CurSourceFactoryAsync(listOnly).ConfigureAwait(false);
        if (IsS3)
            EmitDebug(NoCache || listOnly ? "Download cache not used: files go to a temporary folder deleted after the command."
                : $"Download cache: {_cacheDirectory ?? DownloadCache.DefaultDirectory}");
        return reopen();
    }

    /// <summary>
    /// Makes CUR sources of the parameters: the inputs and the AWS connection are resolved once, here, so the
    /// factory can open the same source again later, off this command (rows that read their principals' tags
    /// when a chargeback asks, see <see cref="Core.Allocation.PrincipalFacts"/>).
    /// </summary>
    /// <param name="listOnly">The source is only listed (-WhatIf): the download cache is neither used nor cleaned.</param>
    protected async Task<Func<CurSource>> CurSourceFactoryAsync(bool listOnly = false)
    {
        if (!IsS3)
        {
            var paths = _paths.Distinct(StringComparer.Ordinal).ToList();
            return () => CurSource.Local(paths);
        }
        var locations = _s3.Distinct().ToList();
        if (locations.Count != 1)
            throw new BedrockCostException(ErrorIds.AwsInvalidParameter, ErrorKind.InvalidArgument,
                $"One S3 location per command; got {string.Join(", ", locations)}. Run the command once per export.", locations[0].ToString());
        var connection = await ConnectAwsAsync().ConfigureAwait(false);
        var location = locations[0];
        var cacheDirectory = NoCache || listOnly ? null : _cacheDirectory ?? DownloadCache.DefaultDirectory;
        // Removing files is a change: never under -WhatIf (or $WhatIfPreference).
        var cleanCache = cacheDirectory is not null && !await IsWhatIfAsync().ConfigureAwait(false);
        return () =>
        {
            DownloadCache? cache = null;
            if (cacheDirectory is not null)
            {
                cache = new DownloadCache(cacheDirectory);
                if (cleanCache) cache.RemoveStalePartials(TimeSpan.FromHours(1));
            }
            return new CurSource(new S3RangedStore(location, connection, cache));
        };
    }

    /// <summary>-WhatIf was given, or $WhatIfPreference is set: nothing may change on disk, the cache included.</summary>
    protected Task<bool> IsWhatIfAsync() => InvokeOnPipelineAsync(() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var whatIf)
            ? LanguagePrimitives.IsTrue(whatIf)
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference")));
}
