# The single source of truth for the module manifest. build.ps1 copies it to output/BedrockCost and checks
# CmdletsToExport against the cmdlets in the built assembly.
@{
    RootModule           = 'BedrockCost.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'acf15a58-d044-493d-8945-1c28622af7c7'
    Author               = 'BedrockCost developers'
    CompanyName          = 'BedrockCost developers'
    Copyright            = '(c) BedrockCost developers. All rights reserved.'
    Description          = 'Attributes Amazon Bedrock cost to IAM principals (users and roles) from AWS Cost and Usage Report (CUR 2.0) exports.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('BedrockCost.Format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Get-BedrockCostByPrincipal'
        'ConvertTo-BedrockChargeback'
        'Export-BedrockChargeback'
        'Get-BedrockCostExport'
        'Get-BedrockCostAnomaly'
        'Get-BedrockCostForecast'
        'Get-BedrockPrincipalTag'
        'Enable-BedrockPrincipalTag'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('AWS', 'Bedrock', 'Cost', 'FinOps', 'CUR', 'Chargeback')
            LicenseUri   = 'https://example.invalid/BedrockCost/LICENSE'  # TODO: real license URI
            ProjectUri   = 'https://example.invalid/BedrockCost'          # TODO: real project URI
            ReleaseNotes = 'Initial development version.'
        }
    }
}
