# The package installs like any module: a fresh pwsh as a new user (empty module path, its own PSResourceGet
# settings, no way to the repository's output/BedrockCost) registers output/package as a local repository,
# runs Install-PSResource BedrockCost, imports the module by name and uses it. Also the package's contents, the
# manifest, and that every shipped assembly runs on .NET 8 (PowerShell 7.4).

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $tools = Join-Path $RepoRoot 'tools'
    $sourceManifest = Import-PowerShellDataFile -LiteralPath (Join-Path $RepoRoot 'BedrockCost.psd1')
    $version = $sourceManifest.ModuleVersion
    $packageDir = Join-Path $RepoRoot 'output/package'
    $nupkg = Join-Path $packageDir "BedrockCost.$version.nupkg"

    # build.ps1 -Task Test packs first; by hand (or after a rebuild) the test packs the built module itself.
    $builtDll = Join-Path (Split-Path -Parent $ModulePath) 'bin/BedrockCost.dll'
    if (-not (Test-Path -LiteralPath $nupkg) -or (Get-Item -LiteralPath $nupkg).LastWriteTimeUtc -lt (Get-Item -LiteralPath $builtDll).LastWriteTimeUtc) {
        $null = & (Join-Path $tools 'New-ModulePackage.ps1') -ModulePath (Split-Path -Parent $ModulePath) -OutputPath $packageDir
    }

    $june = Get-Truth 2026-06

    $work = Join-Path ([System.IO.Path]::GetTempPath()) "bedrockcost-install-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    $userHome = Join-Path $work 'home'
    $reports = Join-Path $work 'reports'
    $resultFile = Join-Path $work 'result.json'
    $script = Join-Path $work 'as-a-user.ps1'
    $null = New-Item -ItemType Directory -Force -Path $userHome, $reports
    Set-Content -LiteralPath $script -Value {
        param([string]$Repository, [string]$Sample, [string]$Reports, [string]$ResultFile)
        $ErrorActionPreference = 'Stop'
        $before = @(Get-Module -ListAvailable -Name BedrockCost)

        Register-PSResourceRepository -Name BedrockCostLocal -Uri $Repository -Trusted
        Install-PSResource BedrockCost -Repository BedrockCostLocal
        $installed = Get-InstalledPSResource -Name BedrockCost
        Import-Module BedrockCost
        $module = Get-Module BedrockCost

        $rows = @(Get-BedrockCostByPrincipal -Path $Sample)
        $files = @(Export-BedrockChargeback -Path $Sample -Format Csv, Json, Html -Destination $Reports)
        $json = [System.Text.Json.JsonDocument]::Parse([System.IO.File]::ReadAllText(($files | Where-Object Extension -EQ '.json').FullName))
        $reconciliation = $json.RootElement.GetProperty('reconciliation')[0]
        $help = Get-Help Get-BedrockCostByPrincipal -Examples

        $moduleContext = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -EQ 'BedrockCost'
        [System.IO.File]::WriteAllText($ResultFile, (ConvertTo-Json -Depth 5 -InputObject ([pscustomobject]@{
                        FoundBeforeInstall = $before.Count
                        ModulePathEntries  = @($env:PSModulePath -split [System.IO.Path]::PathSeparator)
                        InstalledVersion   = [string]$installed.Version
                        InstalledLocation  = $installed.InstalledLocation
                        ModuleBase         = $module.ModuleBase
                        ModuleVersion      = [string]$module.Version
                        ExportedCmdlets    = @($module.ExportedCmdlets.Keys | Sort-Object)
                        LoaderLocation     = ('BedrockCost.Loader.LoadContext' -as [type]).Assembly.Location
                        AssemblyLocations  = @($moduleContext.Assemblies.Location)
                        Rows               = @($rows | ForEach-Object { [pscustomobject]@{
                                    Principal = $_.Principal; BillingPeriod = $_.BillingPeriod; IsAttributed = $_.IsAttributed
                                    Cost = [string]$_.Cost; UnblendedCost = [string]$_.UnblendedCost; InputTokens = [string]$_.InputTokens
                                } })
                        Files              = @($files | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Length = $_.Length; Exists = (Test-Path -LiteralPath $_.FullName) } })
                        SourceTotal        = $reconciliation.GetProperty('sourceTotal').GetDecimal().ToString([cultureinfo]::InvariantCulture)
                        AllocatedTotal     = $reconciliation.GetProperty('allocatedTotal').GetDecimal().ToString([cultureinfo]::InvariantCulture)
                        Examples           = @($help.examples.example | ForEach-Object { [pscustomobject]@{ Title = $_.title; Code = $_.code } })
                        HelpText           = $help | Out-String -Width 200
                    })))
    }.ToString()

    $run = & (Join-Path $tools 'Start-IsolatedPwsh.ps1') -HomePath $userHome -File $script -ArgumentList $packageDir, $SamplePath, $reports, $resultFile
    if ($run.ExitCode -ne 0) { throw "Installing as a user failed (exit $($run.ExitCode)):`n$($run.Output)`n$($run.Error)" }
    $result = Get-Content -Raw -LiteralPath $resultFile | ConvertFrom-Json
    $installedBase = $result.ModuleBase
    $installedFiles = @(Get-ChildItem -LiteralPath $installedBase -Recurse -File -Force |
            ForEach-Object { [System.IO.Path]::GetRelativePath($installedBase, $_.FullName).Replace('\', '/') } | Sort-Object)
    $installedAssemblies = @(& (Join-Path $tools 'Test-ModuleAssembly.ps1') -Path (Join-Path $installedBase 'bin'))
    $installedManifest = Import-PowerShellDataFile -LiteralPath (Join-Path $installedBase 'BedrockCost.psd1')

    function Test-UnderPath([string]$Path, [string]$Root) {
        [System.IO.Path]::GetFullPath($Path).StartsWith([System.IO.Path]::GetFullPath($Root).TrimEnd('/', '\') + [System.IO.Path]::DirectorySeparatorChar, [StringComparison]::Ordinal)
    }
}

AfterAll {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}

Describe 'Installing the package as a user' {
    It 'starts from a module path that has no BedrockCost and does not reach the repository' {
        $result.FoundBeforeInstall | Should -Be 0
        $result.ModulePathEntries | Where-Object { $_ -and (Test-UnderPath $_ $RepoRoot) } | Should -BeNullOrEmpty
    }

    It 'installs the manifest version with Install-PSResource from the local repository, into the new user''s module folder' {
        $result.InstalledVersion | Should -Be $version
        Test-UnderPath $result.InstalledLocation $userHome | Should -BeTrue
        Test-UnderPath $installedBase $userHome | Should -BeTrue
        (Split-Path -Leaf $installedBase) | Should -Be $version
    }

    It 'imports by name from the installed folder, with every cmdlet of the manifest' {
        $result.ModuleVersion | Should -Be $version
        $result.ExportedCmdlets | Should -Be @($sourceManifest.CmdletsToExport | Sort-Object)
        Test-UnderPath $result.LoaderLocation $installedBase | Should -BeTrue
        $result.AssemblyLocations.Count | Should -BeGreaterThan 1
        $result.AssemblyLocations | ForEach-Object { Test-UnderPath $_ (Join-Path $installedBase 'bin') | Should -BeTrue -Because $_ }
    }

    It 'Get-BedrockCostByPrincipal returns the sample''s rows' {
        $rows = $result.Rows
        ($rows.BillingPeriod | Sort-Object -Unique) | Should -Be '2026-06'
        $attributed = @($rows | Where-Object IsAttributed)
        $attributed.Count | Should -Be $june.principals.Count
        foreach ($p in $june.principals) {
            $row = $attributed | Where-Object Principal -EQ $p.principal
            ConvertTo-Decimal $row.UnblendedCost | Should -Be $p.unblendedCost -Because $p.principal
            [long]$row.InputTokens | Should -Be $p.inputTokens -Because $p.principal
        }
        Get-DecimalSum $rows | Should -Be $june.bedrock.unblendedCost
    }

    It 'Export-BedrockChargeback writes its CSV, JSON and HTML, reconciling to the sample''s Bedrock total' {
        $result.Files.Name | Should -Be 'bedrock-chargeback-2026-06.csv', 'bedrock-chargeback-2026-06-summary.csv', 'bedrock-chargeback-2026-06.json', 'bedrock-chargeback-2026-06.html'
        $result.Files | ForEach-Object { $_.Exists | Should -BeTrue; $_.Length | Should -BeGreaterThan 0 }
        ConvertTo-Decimal $result.SourceTotal | Should -Be $june.bedrock.unblendedCost
        ConvertTo-Decimal $result.AllocatedTotal | Should -Be $june.bedrock.unblendedCost
    }

    It 'Get-Help -Examples shows the examples of the help pages' {
        $built = @((Get-Help Get-BedrockCostByPrincipal -Examples).examples.example)
        $built.Count | Should -BeGreaterOrEqual 2
        @($result.Examples.Title) | Should -Be @($built.title)
        @($result.Examples.Code) | Should -Be @($built.code)
        foreach ($code in $built.code) { $result.HelpText | Should -BeLike "*$(($code -split "`n")[0].Trim())*" }
    }
}

Describe 'The installed module folder' {
    It 'holds the module files, the help, the licence and the assemblies, and nothing else' {
        $nonBin = @($installedFiles | Where-Object { $_ -notlike 'bin/*' })
        # PSGetModuleInfo.xml is written by Install-PSResource.
        $nonBin | Should -Be @(
            'BedrockCost.Format.ps1xml', 'BedrockCost.psd1', 'BedrockCost.psm1', 'en-US/about_BedrockCost.help.txt',
            'en-US/BedrockCost.dll-Help.xml', 'LICENSE', 'PSGetModuleInfo.xml', 'THIRD-PARTY-NOTICES.txt' | Sort-Object)
        $installedFiles | Where-Object { $_ -like 'bin/*' -and $_ -notmatch '^bin/[^/]+\.dll$' } | Should -BeNullOrEmpty
    }

    It 'ships every assembly the module loads, once' {
        $dlls = @($installedFiles | Where-Object { $_ -like 'bin/*' } | ForEach-Object { Split-Path -Leaf $_ })
        foreach ($name in 'BedrockCost.Loader', 'BedrockCost', 'BedrockCost.Core', 'Parquet', 'AWSSDK.Core', 'AWSSDK.S3', 'CsvHelper') {
            $dlls | Should -Contain "$name.dll"
        }
        # The same set as the build, which the other tests exercise.
        $dlls | Should -Be @(Get-ChildItem -LiteralPath (Join-Path (Split-Path -Parent $ModulePath) 'bin') -Filter *.dll | ForEach-Object Name | Sort-Object)
        @($installedAssemblies.Name | Group-Object | Where-Object Count -GT 1) | Should -BeNullOrEmpty
    }

    It 'has no test assets' {
        $installedFiles | Where-Object { $_ -match '(?i)(\.pdb|\.deps\.json|\.parquet|\.csv(\.gz)?|\.Tests\.ps1|expected\.json|Manifest\.json)$|(?i)(^|/)(tests?|samples)/' } |
            Should -BeNullOrEmpty
    }

    It 'carries a complete manifest: no placeholder, Gallery tags, licence, release notes from CHANGELOG.md' {
        $text = Get-Content -Raw -LiteralPath (Join-Path $installedBase 'BedrockCost.psd1')
        $text | Should -Not -Match '(?i)example\.invalid|TODO'
        $psData = $installedManifest.PrivateData.PSData
        foreach ($tag in 'PSEdition_Core', 'Windows', 'Linux', 'MacOS', 'AWS', 'Bedrock', 'FinOps') { $psData.Tags | Should -Contain $tag }
        $psData.Tags | ForEach-Object { $_ | Should -Match '^[A-Za-z0-9_.-]+$' }
        $psData.ContainsKey('ProjectUri') | Should -BeFalse
        # The licence ships as LICENSE; a LicenseUri, if ever added, must be a real https address. Licence acceptance
        # would need both a LicenseUri (Publish-PSResource refuses to pack without one) and the License.txt that
        # Install-PSResource shows.
        if ($psData.ContainsKey('LicenseUri')) { ([uri]$psData.LicenseUri).Scheme | Should -Be 'https' }
        if ($psData['RequireLicenseAcceptance']) { $psData.ContainsKey('LicenseUri') | Should -BeTrue; $installedFiles | Should -Contain 'License.txt' }
        Get-Content -Raw -LiteralPath (Join-Path $installedBase 'LICENSE') | Should -BeExactly (Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'LICENSE'))
        Get-Content -LiteralPath (Join-Path $RepoRoot 'LICENSE') -TotalCount 1 | Should -Be 'MIT License'

        $changelog = (Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'CHANGELOG.md')) -replace "`r`n", "`n"
        $changelog | Should -Match "(?m)^## \[$([regex]::Escape($version))\]"
        $psData.ReleaseNotes.Trim().Length | Should -BeGreaterThan 50
        $changelog.Contains(($psData.ReleaseNotes -replace "`r`n", "`n").Trim()) | Should -BeTrue
        { Test-ModuleManifest -Path (Join-Path $installedBase 'BedrockCost.psd1') -ErrorAction Stop } | Should -Not -Throw
    }

    It 'has one version: manifest, package, install and the module''s assemblies agree' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($nupkg)
        try { [xml]$nuspec = [System.IO.StreamReader]::new(($zip.Entries | Where-Object FullName -EQ 'BedrockCost.nuspec').Open()).ReadToEnd() }
        finally { $zip.Dispose() }
        $nuspec.package.metadata.version | Should -Be $version
        $installedManifest.ModuleVersion | Should -Be $version
        $own = @($installedAssemblies | Where-Object Name -Like 'BedrockCost*')
        $own.Name | Sort-Object | Should -Be 'BedrockCost', 'BedrockCost.Core', 'BedrockCost.Loader'
        $own | ForEach-Object {
            $_.Version | Should -Be ([version]"$version.0") -Because $_.Name
            $_.FileVersion | Should -Be "$version.0" -Because $_.Name
            $_.InformationalVersion | Should -BeLike "$version*" -Because $_.Name
        }
    }
}

Describe 'PowerShell 7.4 compatibility of the shipped assemblies' {
    It 'targets .NET 8 or .NET Standard and references nothing newer than .NET 8, nothing missing, nothing unused' {
        $installedAssemblies.Count | Should -BeGreaterThan 5
        $installedAssemblies | ForEach-Object { $_.TargetFramework | Should -Match '^\.NET(CoreApp,Version=v[1-8]\.|Standard,Version=v2\.[01]$)' -Because $_.Name }
        @($installedAssemblies | Where-Object Problems | ForEach-Object { "$($_.Name): $($_.Problems -join '; ')" }) | Should -BeNullOrEmpty
    }

    It 'the check catches a .NET 10 build of a dependency, a missing dependency and an assembly nothing loads' {
        # The same bin with System.IO.Hashing's net10.0 build in place of its netstandard2.0 one, and Snappier removed.
        $assets = Get-Content -Raw -LiteralPath (Join-Path $RepoRoot 'src/BedrockCost/obj/project.assets.json') | ConvertFrom-Json
        $hashing = ($assets.targets.'net8.0'.PSObject.Properties.Name | Where-Object { $_ -like 'System.IO.Hashing/*' }).Split('/')[1]
        $net10 = $assets.packageFolders.PSObject.Properties.Name | ForEach-Object { Join-Path $_ "system.io.hashing/$hashing/lib/net10.0/System.IO.Hashing.dll" } |
            Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
        $net10 | Should -Not -BeNullOrEmpty
        $bad = Join-Path $work 'bad-bin'
        Copy-Item -LiteralPath (Join-Path $installedBase 'bin') -Destination $bad -Recurse
        Copy-Item -LiteralPath $net10 -Destination $bad -Force
        Remove-Item -LiteralPath (Join-Path $bad 'Snappier.dll')

        $problems = @(& (Join-Path $tools 'Test-ModuleAssembly.ps1') -Path $bad | Where-Object Problems | ForEach-Object { $n = $_.Name; $_.Problems | ForEach-Object { "${n}: $_" } })
        $problems | Should -Contain 'System.IO.Hashing: targets .NETCoreApp,Version=v10.0, newer than .NET 8.0'
        $problems | Should -Contain "System.IO.Hashing: references System.Memory 10.0.0.0, newer than .NET 8's 8.0.0.0"
        $problems | Should -Contain 'Parquet: references Snappier 1.3.1.0, which is neither shipped nor part of .NET 8 or PowerShell'

        $loaderOnly = @(& (Join-Path $tools 'Test-ModuleAssembly.ps1') -Path (Join-Path $installedBase 'bin') -EntryAssembly 'BedrockCost.Loader' | Where-Object Name -EQ 'BedrockCost')
        $loaderOnly.Problems | Should -Contain 'is shipped but not referenced from BedrockCost.Loader (the module never loads it)'
    }
}
