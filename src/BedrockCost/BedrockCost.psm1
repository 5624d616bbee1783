# BedrockCost script module: loads the cmdlet assembly through BedrockCost.Loader into its own
# AssemblyLoadContext so our AWSSDK/Parquet versions never clash with those already in the session
# (AWS.Tools puts its own AWSSDK.Core in the default context).
# Import time counts (runbooks start a fresh pwsh each time), so this does the least it can: Assembly.LoadFrom rather
# than Add-Type (whose first use sets up C# compilation), an AppDomain flag rather than resolving a type name (which
# searches every loaded assembly), and the module-qualified Import-Module rather than a Get-Command lookup.

$domain = [System.AppDomain]::CurrentDomain
$isReload = $null -ne $domain.GetData('BedrockCost.Loader')
if (-not $isReload) {
    $null = [System.Reflection.Assembly]::LoadFrom([System.IO.Path]::Combine($PSScriptRoot, 'bin', 'BedrockCost.Loader.dll'))
    $domain.SetData('BedrockCost.Loader', $true)
}

$cmdletAssembly = [BedrockCost.Loader.LoadContext]::Initialize()
$innerModule = Microsoft.PowerShell.Core\Import-Module -Assembly $cmdletAssembly -Force -PassThru

# Import-Module -Assembly of an assembly already imported once returns the cached module without adding its
# cmdlets to this module's scope again (PowerShell/PowerShell#20710), so re-export them explicitly.
if ($isReload -and $innerModule) {
    $addExportedCmdlet = [System.Management.Automation.PSModuleInfo].GetMethod(
        'AddExportedCmdlet',
        [System.Reflection.BindingFlags]'Instance, NonPublic')
    foreach ($cmdlet in $innerModule.ExportedCmdlets.Values) {
        $addExportedCmdlet.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
    }
}
