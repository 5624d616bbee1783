# The AWS connection parameters are declared once and offered exactly in the parameter sets that reach AWS:
# the S3, Cost Explorer and Athena sets of the cost cmdlets, every set of the tag cmdlets and of New-BedrockCostExport,
# never next to -Path.

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $script:AwsParameters = 'ProfileName', 'ProfilesLocation', 'Region', 'AccessKey', 'SecretKey', 'SessionToken', 'EndpointUrl'
}

Describe 'AWS connection parameters of <Name>' -ForEach @(
    @{ Name = 'Get-BedrockCostByPrincipal'; Sets = 'Athena', 'CostExplorer', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer', 'Athena' }
    @{ Name = 'ConvertTo-BedrockChargeback'; Sets = 'Athena', 'CostExplorer', 'InputObject', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer', 'Athena' }
    @{ Name = 'Export-BedrockChargeback'; Sets = 'Athena', 'CostExplorer', 'InputObject', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer', 'Athena' }
    @{ Name = 'Get-BedrockCostAnomaly'; Sets = 'Athena', 'CostExplorer', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer', 'Athena' }
    @{ Name = 'Get-BedrockCostForecast'; Sets = 'Athena', 'CostExplorer', 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket', 'CostExplorer', 'Athena' }
    # No set of AWS parameters alone (it read nothing and said nothing).
    @{ Name = 'Get-BedrockCostExport'; Sets = 'LiteralPath', 'Path', 'S3', 'S3Bucket'; AwsSets = 'S3', 'S3Bucket' }
    @{ Name = 'Get-BedrockPrincipalTag'; Sets = , '__AllParameterSets'; AwsSets = , '__AllParameterSets' }
    @{ Name = 'Enable-BedrockPrincipalTag'; Sets = , '__AllParameterSets'; AwsSets = , '__AllParameterSets' }
    @{ Name = 'New-BedrockCostExport'; Sets = , '__AllParameterSets'; AwsSets = , '__AllParameterSets' }
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
