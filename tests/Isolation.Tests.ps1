# The module loads its assemblies into its own AssemblyLoadContext ("BedrockCost"), so a different AWSSDK.Core
# already in the default context (as AWS.Tools leaves it) does not break it.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $commands = @(Get-Command -Module BedrockCost -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $oldSdk = Join-Path $ToolsPath 'AWSSDK.Core.3.7/AWSSDK.Core.dll'
}

Describe 'Dependency isolation' {
    BeforeAll {
        if (-not (Test-Path -LiteralPath $oldSdk)) { throw "Run tests/tools/Install-TestPrerequisites.ps1: '$oldSdk' is missing." }

        # A real AWSSDK path: Get-BedrockCostExport and Get-BedrockCostByPrincipal against s3rver.
        $s3 = & (Join-Path $RepoRoot 'tests/tools/Start-S3rver.ps1')
        $testData = Join-Path $RepoRoot 'tests/tools/BedrockCost.TestData'
        & dotnet run --project $testData -- upload --endpoint $s3.Endpoint --bucket isolation --dir $SamplePath --prefix cur/bedrock-cur --create-bucket | Out-Null
        if ($LASTEXITCODE -ne 0) { $s3.Stop(); throw 'Upload to s3rver failed.' }
        $cache = Join-Path ([System.IO.Path]::GetTempPath()) "bc-iso-$([guid]::NewGuid().ToString('N').Substring(0, 8))"

        try {
            $result = Invoke-ChildPwsh -ArgumentList $oldSdk, $ModulePath, $SamplePath, $s3.Endpoint, $cache -ScriptBlock {
                param($OldSdk, $ModulePath, $SamplePath, $Endpoint, $Cache)
                $ErrorActionPreference = 'Stop'
                Add-Type -Path $OldSdk
                $null = [Amazon.Runtime.AWSCredentials]  # make sure 3.7 is really loaded before the module
                Import-Module $ModulePath

                $records = @(Get-BedrockCostByPrincipal -Path $SamplePath)
                $aws = @{ EndpointUrl = $Endpoint; AccessKey = 'S3RVER'; SecretKey = 'S3RVER'; CacheDirectory = $Cache }
                $exports = @(Get-BedrockCostExport -S3Uri 's3://isolation/cur' @aws)
                $s3Records = @(Get-BedrockCostByPrincipal -S3Uri 's3://isolation/cur/bedrock-cur' @aws)

                ConvertTo-Json -Depth 4 -InputObject ([pscustomobject]@{
                    RecordCount = $records.Count
                    S3RecordCount = $s3Records.Count
                    S3Cost      = [string]$(foreach ($r in $s3Records) { $t3 += [decimal]$r.Cost }; [decimal]$t3)
                    DiskCost    = [string]$(foreach ($r in $records) { $td += [decimal]$r.Cost }; [decimal]$td)
                    Exports     = @($exports.ExportName)
                    Sdk         = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'AWSSDK.Core' } | ForEach-Object {
                            [pscustomobject]@{
                                Version = $_.GetName().Version.ToString()
                                Context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name
                            }
                        })
                })
            }
        }
        finally {
            $s3.Stop()
            Remove-Item -LiteralPath $cache -Recurse -Force -ErrorAction Ignore
        }
    }

    It 'runs Get-BedrockCostByPrincipal after another AWSSDK.Core was loaded' {
        $result.RecordCount | Should -BeGreaterThan 0
    }

    It 'reads S3 through its own AWSSDK after another AWSSDK.Core was loaded' {
        $result.Exports | Should -Be @('bedrock-cur')
        $result.S3RecordCount | Should -Be $result.RecordCount
        # Both the files on disk and the same files from S3 give the sample's June total of expected.json.
        $june = (Get-Truth 2026-06).bedrock.unblendedCost
        ConvertTo-Decimal $result.DiskCost | Should -Be $june
        ConvertTo-Decimal $result.S3Cost | Should -Be $june
    }

    It 'has AWSSDK.Core 3.7 in the default context and ours in the BedrockCost context' {
        $result.Sdk.Count | Should -Be 2
        ($result.Sdk | Where-Object Context -EQ 'Default').Version | Should -BeLike '3.*'
        ($result.Sdk | Where-Object Context -EQ 'BedrockCost').Version | Should -BeLike '4.*'
    }

    It 'loads the cmdlet assembly in the BedrockCost context' {
        $cmdletAssembly = (Get-Command -Module BedrockCost -CommandType Cmdlet | Select-Object -First 1).ImplementingType.Assembly
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($cmdletAssembly).Name | Should -Be 'BedrockCost'
    }
}

Describe 'Public surface' {
    It 'exposes no AWSSDK or Parquet type on <Name>' -ForEach $commands {
        $command = Get-Command -Name $Name
        $pending = [System.Collections.Generic.Queue[type]]::new()
        @($command.Parameters.Values.ParameterType) + @($command.OutputType.Type | Where-Object { $_ }) | ForEach-Object { $pending.Enqueue($_) }
        # Unwrap arrays and generics: List[Amazon.X] leaks as much as Amazon.X.
        while ($pending.Count) {
            $type = $pending.Dequeue()
            if ($type.HasElementType) { $pending.Enqueue($type.GetElementType()) }
            if ($type.IsGenericType) { $type.GetGenericArguments() | ForEach-Object { $pending.Enqueue($_) } }
            $type.Assembly.GetName().Name | Should -Not -Match '^(AWSSDK|Parquet)' -Because "$($type.FullName) is on $Name"
        }
    }
}
