# The single source of truth for the module manifest, and for the version: the assemblies take ModuleVersion
# (Directory.Build.props) and the package takes the built manifest. build.ps1 copies it to output/BedrockCost,
# checks CmdletsToExport against the cmdlets in the built assembly and writes ReleaseNotes from CHANGELOG.md.
@{
    RootModule           = 'BedrockCost.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = 'acf15a58-d044-493d-8945-1c28622af7c7'
    Author               = 'BedrockCost developers'
    CompanyName          = 'BedrockCost developers'
    Copyright            = '(c) 2026 BedrockCost developers. MIT License: see the LICENSE file in the module folder.'
    Description          = 'Attributes Amazon Bedrock cost to IAM principals (users and roles) from AWS Cost and Usage Report (CUR 2.0) data exports, on disk or in S3, and from Cost Explorer; produces chargeback statements (CSV, JSON, HTML) that reconcile to the bill, cost anomalies and month-end forecasts.'
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
        'New-BedrockCostExport'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags                     = @('PSEdition_Core', 'Windows', 'Linux', 'MacOS', 'AWS', 'Bedrock', 'FinOps', 'Cost', 'CUR', 'Chargeback', 'IAM', 'GenAI')
            # MIT: the LICENSE file ships in the module folder. There is no public address for it yet, so no
            # LicenseUri (and no ProjectUri). MIT asks for no acceptance; turning it on would need a LicenseUri
            # (Publish-PSResource refuses to pack without one) and a License.txt (Install-PSResource shows it).
            RequireLicenseAcceptance = $false
            ReleaseNotes             = ''  # written from CHANGELOG.md by build.ps1
        }
    }
}
