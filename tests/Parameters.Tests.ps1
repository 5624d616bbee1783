# The AWS connection parameters are declared once and offered exactly in the parameter sets that reach AWS:
# the S3 and Cost Explorer sets of the cost cmdlets, every set of the tag cmdlets, never next to -Path.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:AwsParameters = 'ProfileName', 'ProfilesLocation', 'Region', 'AccessKey', 'SecretKey', 'SessionToken', 'EndpointUrl'
}

Describe 'AWS connection parameters of <Name>' -ForEach @(
    @{ Name = 'Get-BedrockCostByPrincipal'; Sets = 'CostExplorer', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer' }
    @{ Name = 'ConvertTo-BedrockChargeback'; Sets = 'CostExplorer', 'InputObject', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer' }
    @{ Name = 'Export-BedrockChargeback'; Sets = 'CostExplorer', 'InputObject', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer' }
    @{ Name = 'Get-BedrockCostAnomaly'; Sets = 'CostExplorer', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer' }
    @{ Name = 'Get-BedrockCostForecast'; Sets = 'CostExplorer', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer' }
    # No set of AWS parameters alone (it read nothing and said nothing).
    @{ Name = 'Get-BedrockCostExport'; Sets = 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket' }
    @{ Name = 'Get-BedrockPrincipalTag'; Sets = , '__AllParameterSets'; AwsSets = , '__AllParameterSets' }
    @{ Name = 'Enable-BedrockPrincipalTag'; Sets = , '__AllParameterSets'; AwsSets = , '__AllParameterSets' }
) {
    It 'offers them in the sets that reach AWS, and only there' {
        $command = Get-Command -Name $Name
        @($command.ParameterSets.Name | Sort-Object) | Should -Be $Sets
        foreach ($set in $command.ParameterSets) {
            $names = @($set.Parameters.Name)
            $expected = $set.Name -in $AwsSets
            foreach ($p in $AwsParameters) { ($p -in $names) | Should -Be $expected -Because "-$p in the $($set.Name) set" }
        }
        $command.Parameters['ProfileName'].Aliases | Should -Be @('StoredCredentials', 'AWSProfileName')
        $command.Parameters['SecretKey'].Aliases | Should -Be @('SK', 'SecretAccessKey')
    }
}
