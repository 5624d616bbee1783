using System.Management.Automation;
using BedrockCost.Core.Sources;
using BedrockCost.Core.Sources.Athena;

namespace BedrockCost.Abstractions;

/// <summary>
/// The Athena parameter set of the cost-reading cmdlets: -Athena and the table, workgroup and result location; the
/// AWS.Tools-style connection parameters come from <see cref="AwsCmdlet"/> (<see cref="AwsParameterSets"/> names this set).
/// </summary>
public abstract partial class CostQueryCmdlet
{
    /// <summary>Query the CUR 2.0 table with Amazon Athena instead of reading the export's files.</summary>
    [Parameter(ParameterSetName = AthenaSet, Mandatory = true)]
    public SwitchParameter Athena { get; set; }

    [Parameter(ParameterSetName = AthenaSet)]
    [ValidateNotNullOrEmpty]
    public string Database { get; set; } = AthenaTable.DefaultDatabase;

    [Parameter(ParameterSetName = AthenaSet)]
    [ValidateNotNullOrEmpty]
    public string Table { get; set; } = AthenaTable.DefaultTable;

    [Parameter(ParameterSetName = AthenaSet)]
    [ValidateNotNullOrEmpty]
    public string WorkGroup { get; set; } = AthenaTable.DefaultWorkGroup;

    [Parameter(ParameterSetName = AthenaSet)]
    [ValidatePattern(@"^s3://[^/\s]+(/.*)?$")]
    public string? OutputLocation { get; set; }

    [Parameter(ParameterSetName = AthenaSet)]
    [ValidateNotNullOrEmpty]
    public string Catalog { get; set; } = AthenaTable.DefaultCatalog;

    /// <summary>Makes Athena sources of the parameters: names checked and the connection resolved once, here.</summary>
    private async Task<Func<ICostSource>> AthenaSourceFactoryAsync()
    {
        // Names are checked before any connection or request.
        var table = AthenaTable.Create(Catalog, Database, Table);
        var connection = await ConnectAwsAsync().ConfigureAwait(false);
        var settings = new AthenaSettings(table, WorkGroup, OutputLocation);
        return () => AthenaSource.Create(connection, settings);
    }
}
