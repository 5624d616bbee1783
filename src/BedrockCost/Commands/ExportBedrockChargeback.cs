using System.Management.Automation;
using BedrockCost.Abstractions;
using BedrockCost.Core;
using BedrockCost.Core.Allocation;
using BedrockCost.Core.Reports;

namespace BedrockCost.Commands;

/// <summary>
/// Writes a chargeback statement as CSV, JSON and/or self-contained HTML files. The source is read with
/// -Path/-LiteralPath like every cost cmdlet (or comes from the pipeline); the files go to -Destination.
/// Each file is written atomically, under ShouldProcess, and returned as a FileInfo.
/// </summary>
[Cmdlet(VerbsData.Export, "BedrockChargeback", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBedrockChargeback : ChargebackCmdletBase
{
    private static readonly ChargebackFormat[] AllFormats = { ChargebackFormat.Csv, ChargebackFormat.Json, ChargebackFormat.Html };

    [Parameter(Mandatory = true)]
    [Alias("OutputPath", "DestinationPath")]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    [Parameter]
    [ValidateNotNullOrEmpty]
    public ChargebackFormat[] Format { get; set; } = AllFormats;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override async Task BeginProcessingAsync()
    {
        // -Destination is checked before anything is read: another provider's path is refused as -Path's is.
        await InvokeOnPipelineAsync(() => FileSystemPath.Unresolved(this, Destination)).ConfigureAwait(false);
        await base.BeginProcessingAsync().ConfigureAwait(false);
    }

    protected override async Task EndProcessingAsync()
    {
        // -WhatIf downloads nothing: an S3 export is only listed, for the billing periods that name the files.
        if (IsS3 && HasSource && await IsWhatIfAsync().ConfigureAwait(false))
        {
            await WhatIfFromListingAsync().ConfigureAwait(false);
            return;
        }
        var statement = await BuildStatementAsync().ConfigureAwait(false);
        if (statement is null) return;
        var (folder, targets) = await InvokeOnPipelineAsync(() => Targets(statement)).ConfigureAwait(false);
        foreach (var (format, path) in targets)
        {
            if (!await InvokeOnPipelineAsync(() => ShouldProcess(path, $"Write the {format} chargeback statement")).ConfigureAwait(false))
                continue;
            Activity = $"writing '{path}'";
            try
            {
                if (folder is not null && !Directory.Exists(folder)) Directory.CreateDirectory(folder);
                await AtomicFile.WriteAsync(path, (stream, ct) => ChargebackReport.WriteAsync(statement, format, stream, ct), Force, CancelToken).ConfigureAwait(false);
                // Through the provider, so the FileInfo carries PSPath and the file-system table view shows Mode and Length.
                OnPipeline(() => WriteObject(InvokeProvider.Item.Get(new[] { path }, force: false, literalPath: true), enumerateCollection: true));
            }
            catch (BedrockCostException e)
            {
                EmitError(ErrorRecords.From(e));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                EmitError(ErrorRecords.Create(ErrorIds.OutputWriteFailed, ErrorKind.WriteError, $"Cannot write '{path}': {e.Message}", path));
            }
        }
    }

    /// <summary>Says what would be written and read, from the listing of the S3 export: nothing is downloaded.</summary>
    private async Task WhatIfFromListingAsync()
    {
        using var source = await CreateCurSourceAsync(listOnly: true).ConfigureAwait(false);
        Activity = $"listing {source.Description}";
        var query = BuildQuery(Array.Empty<Core.Aggregation.GroupDimension>());
        var data = (await source.Store.ListAsync(Context, CancelToken).ConfigureAwait(false))
            .Select(o => (Object: o, Period: Core.Sources.ExportLayout.DataPeriodOf(o.Key))).Where(x => x.Period is not null).ToList();
        var present = data.Select(x => x.Period!).Distinct().Order(StringComparer.Ordinal).ToList();
        var periods = query.BillingPeriods.Count > 0 ? query.BillingPeriods.ToList()
            : query.StartDate is not null || query.EndDate is not null ? present.Where(query.PeriodOverlapsDates).ToList()
            : present.TakeLast(1).ToList();
        var files = data.Where(x => periods.Contains(x.Period!) && x.Object.Size > 0).ToList();
        EmitVerbose($"-WhatIf: nothing was downloaded. A run would download (unless cached) and read up to {files.Count} data file(s), " +
                    $"{files.Sum(f => f.Object.Size) / 1048576.0:N1} MB, of {source.Description} for billing period(s) {string.Join(", ", periods)}.");
        var (_, targets) = await InvokeOnPipelineAsync(() => Targets(new ChargebackStatement { BillingPeriods = periods })).ConfigureAwait(false);
        foreach (var (format, path) in targets)
            await InvokeOnPipelineAsync(() => ShouldProcess(path, $"Write the {format} chargeback statement")).ConfigureAwait(false);
    }

    /// <summary>
    /// The files to write. A folder (existing, ending in a separator, or a name without extension) gets
    /// bedrock-chargeback-PERIOD.ext per format. A file name is used as given for one format, with each
    /// format's extension for several; without -Format its extension picks the format.
    /// </summary>
    private (string? Folder, List<(ChargebackFormat Format, string Path)> Targets) Targets(ChargebackStatement statement)
    {
        var full = FileSystemPath.Unresolved(this, Destination);
        var isFolder = Directory.Exists(full) || Destination.EndsWith('/') || Destination.EndsWith('\\') || System.IO.Path.GetExtension(full).Length == 0;
        var formatGiven = MyInvocation.BoundParameters.ContainsKey(nameof(Format));
        var formats = Format.Distinct().ToList();
        if (isFolder)
            return (full, formats.Select(f => (f, System.IO.Path.Combine(full, ChargebackReport.DefaultFileName(statement, f)))).ToList());
        if (!formatGiven)
        {
            var byExtension = AllFormats.Where(f => ChargebackReport.Extension(f).Equals(System.IO.Path.GetExtension(full), StringComparison.OrdinalIgnoreCase)).ToList();
            if (byExtension.Count == 1) formats = byExtension;
        }
        return formats.Count == 1
            ? (null, new List<(ChargebackFormat, string)> { (formats[0], full) })
            : (null, formats.Select(f => (f, System.IO.Path.ChangeExtension(full, ChargebackReport.Extension(f)))).ToList());
    }
}
