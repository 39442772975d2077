<#
.SYNOPSIS
    Collects a read-only snapshot of a Hyper-V failover cluster for "hvlab audit".

.DESCRIPTION
    Run on one node of the cluster, as a user who is a local administrator on every
    node (Failover Clustering and Hyper-V PowerShell modules installed). For every
    node of the cluster it runs the Get-* cmdlets below and writes one JSON file per
    cmdlet and host, named <host>_<Cmdlet>.json (ConvertTo-Json -Depth 4, UTF-8).
    It also exports the Hyper-V Integration, Worker and VMMS admin event logs as
    event XML (<host>_<channel>.xml), the cluster registry key
    HKLM\Cluster\Groups (cluster\Groups.reg) and, where IIS is installed,
    %windir%\System32\inetsrv\config\applicationHost.config.

    Sites and disaster recovery: Get-VMReplication (every replication relationship of
    each node), the failover TCP/IP settings of the network adapters of every VM that
    replicates (Get-VMNetworkAdapterFailoverConfiguration; the script adds the VM and
    adapter names, which the cmdlet's objects do not carry) and the cluster's fault
    domains (Get-ClusterFaultDomain: sites, racks, nodes). A host whose Hyper-V module
    lacks the replication cmdlets, or a cluster older than Windows Server 2016, is
    logged as SKIP and the rest of its export goes on; hvlab then treats what is
    missing as unknown. Run the script on the replica cluster too and copy both
    folders into one: a replica VM's failover address is set on the replica VM.

    The script only reads. It changes no setting on any node: it uses Get-*
    cmdlets, Get-WinEvent, "reg export" and file copies into the output folder,
    which is the only thing it creates. Each step runs in its own try/catch: a step
    that fails is reported as a warning (and in collect-hvlab.log) and the
    collection goes on.

    Files written:
        <OutputPath>\<host>_Get-NetAdapter.json              (one per node)
        <OutputPath>\<host>_Get-NetAdapterAdvancedProperty.json
        <OutputPath>\<host>_Get-NetLbfoTeam.json / _Get-NetLbfoTeamMember.json / _Get-NetLbfoTeamNic.json
        <OutputPath>\<host>_Get-VMSwitch.json / _Get-VMNetworkAdapter.json / _Get-VM.json / _Get-VMHost.json
        <OutputPath>\<host>_Get-VMReplication.json / _Get-VMNetworkAdapterFailoverConfiguration.json
        <OutputPath>\<cluster>_Get-ClusterNode.json / _Get-ClusterGroup.json / _Get-ClusterNetwork.json
        <OutputPath>\<cluster>_Get-ClusterSharedVolume.json / _Get-Cluster.json
        <OutputPath>\<cluster>_Get-ClusterFaultDomain.json   (Windows Server 2016+ only)
        <OutputPath>\events\<host>_<channel>.xml
        <OutputPath>\cluster\Groups.reg
        <OutputPath>\iis\<host>_applicationHost.config
        <OutputPath>\vmm\tbl_WLC_VMInstance.csv   (only with -VmmSqlInstance)
        <OutputPath>\collect-hvlab.log

.PARAMETER OutputPath
    Folder to write to (created if missing). Default: .\hvlab-export-<cluster>-<yyyyMMdd-HHmm>

.PARAMETER Cluster
    The cluster to collect (default: the cluster of this node).

.PARAMETER MaxEvents
    Newest events to export per log and node (default 5000).

.PARAMETER VmmSqlInstance
    Optional. SQL Server instance of the VMM database: runs one read-only
    "SELECT * FROM dbo.tbl_WLC_VMInstance" with Invoke-Sqlcmd and saves it as CSV.

.PARAMETER VmmDatabase
    Name of the VMM database (default VirtualManagerDB).

.EXAMPLE
    .\Collect-HvLab.ps1 -OutputPath C:\Temp\hvlab
    hvlab audit C:\Temp\hvlab
#>
[CmdletBinding()]
param(
    [string]$OutputPath,
    [string]$Cluster = '.',
    [int]$MaxEvents = 5000,
    [string]$VmmSqlInstance,
    [string]$VmmDatabase = 'VirtualManagerDB'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$Channels = @(
    'Microsoft-Windows-Hyper-V-Integration-Admin',
    'Microsoft-Windows-Hyper-V-Worker-Admin',
    'Microsoft-Windows-Hyper-V-VMMS-Admin'
)
$Utf8NoBom = New-Object System.Text.UTF8Encoding($false)
$script:Failures = 0
$script:Skipped = '<hvlab: step skipped>'
$failoverKeys = @('IPv4Address', 'IPv4SubnetMask', 'IPv4DefaultGateway', 'IPv4PreferredDNSServer',
    'IPv4AlternateDNSServer', 'IPv6Address', 'IPv6SubnetPrefixLength', 'IPv6DefaultGateway')

function Write-Log {
    param([string]$Message)
    $line = '{0:yyyy-MM-dd HH:mm:ss} {1}' -f (Get-Date), $Message
    [System.IO.File]::AppendAllText($script:LogFile, $line + [Environment]::NewLine, $Utf8NoBom)
}

function Save-Text {
    param([string]$Path, [string]$Text)
    [System.IO.File]::WriteAllText($Path, $Text, $Utf8NoBom)
}

function Save-Json {
    # Always an array, so one object and many objects have the same shape.
    param([string]$Path, $Objects)
    $items = @($Objects | Where-Object { $null -ne $_ })
    $json = ConvertTo-Json -InputObject $items -Depth 4
    if ($items.Count -eq 0 -or $null -eq $json) { $json = '[]' }
    Save-Text -Path $Path -Text $json
}

function Save-Step {
    # Runs a step's script block and saves its objects. A step that decides it cannot
    # run here returns the marker $script:Skipped: no file is written, so that hvlab
    # says "unknown" instead of reading an empty answer.
    param([string]$Path, [scriptblock]$Action)
    $objects = @(& $Action)
    if ($objects.Count -eq 1 -and $objects[0] -is [string] -and $objects[0] -eq $script:Skipped) { return }
    Save-Json -Path $Path -Objects $objects
}

function Invoke-Step {
    # Runs one collection step; a failure becomes a warning and the run goes on.
    param([string]$Name, [scriptblock]$Action)
    try {
        & $Action
        Write-Log "OK    $Name"
    }
    catch {
        $script:Failures++
        $message = "$Name failed: $($_.Exception.Message)"
        Write-Warning $message
        Write-Log "FAIL  $message"
    }
}

# ------------------------------------------------------------------ cluster and output folder
Import-Module FailoverClusters -ErrorAction Stop
$clusterObject = Get-Cluster -Name $Cluster
$clusterName = $clusterObject.Name
if (-not $OutputPath) {
    $OutputPath = Join-Path (Get-Location) ('hvlab-export-{0}-{1:yyyyMMdd-HHmm}' -f $clusterName, (Get-Date))
}
foreach ($sub in @('', 'events', 'cluster', 'iis', 'vmm')) {
    $folder = Join-Path $OutputPath $sub
    if (-not (Test-Path -LiteralPath $folder)) {
        New-Item -ItemType Directory -Path $folder | Out-Null
    }
}
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).Path
$script:LogFile = Join-Path $OutputPath 'collect-hvlab.log'
Write-Log "hvlab collection of cluster $clusterName from $env:COMPUTERNAME into $OutputPath"

$nodes = @(Get-ClusterNode -Cluster $clusterName | ForEach-Object { $_.Name })
Write-Log ("nodes: " + ($nodes -join ', '))

# ------------------------------------------------------------------ cluster-wide cmdlets
# Nested objects (OwnerNode, Cluster) are reduced to their names and the CSV size to
# SharedVolumeInfo.Partition, so that -Depth 4 keeps everything hvlab reads.
$nameOf = { param($o) if ($null -eq $o) { $null } else { [string]$o.Name } }
$clusterSteps = [ordered]@{
    'Get-ClusterNode'         = { Get-ClusterNode -Cluster $clusterName |
            Select-Object Name, Id, State, NodeWeight, DynamicWeight, DrainStatus, NodeHighestVersion,
            @{ Name = 'Cluster'; Expression = { & $nameOf $_.Cluster } } }
    'Get-ClusterGroup'        = { Get-ClusterGroup -Cluster $clusterName |
            Select-Object Name, Id, State, GroupType, Priority, FailoverThreshold, AntiAffinityClassNames,
            PersistentState, PreferredSite, @{ Name = 'OwnerNode'; Expression = { & $nameOf $_.OwnerNode } },
            @{ Name = 'Cluster'; Expression = { & $nameOf $_.Cluster } } }
    'Get-ClusterNetwork'      = { Get-ClusterNetwork -Cluster $clusterName |
            Select-Object Name, Id, Role, Address, AddressMask, Metric, AutoMetric, State, Ipv4Addresses,
            @{ Name = 'Cluster'; Expression = { & $nameOf $_.Cluster } } }
    'Get-ClusterSharedVolume' = { Get-ClusterSharedVolume -Cluster $clusterName |
            Select-Object Name, Id, State, @{ Name = 'OwnerNode'; Expression = { & $nameOf $_.OwnerNode } },
            @{ Name = 'SharedVolumeInfo'; Expression = {
                    $_.SharedVolumeInfo | Select-Object FriendlyVolumeName, FaultState,
                    @{ Name = 'Partition'; Expression = {
                            $_.Partition | Select-Object Size, FreeSpace, UsedSpace, PercentFree, FileSystem } } } } }
    'Get-Cluster'             = { Get-Cluster -Name $clusterName | Select-Object -Property * }
    # Windows Server 2016+: sites, racks and chassis above the nodes. A 2012 R2 cluster has
    # no fault domains; the step is skipped and hvlab leaves the nodes' sites unknown.
    'Get-ClusterFaultDomain'  = {
        if (-not (Get-Command Get-ClusterFaultDomain -ErrorAction SilentlyContinue)) {
            Write-Log "SKIP  Get-ClusterFaultDomain ($clusterName): not in this FailoverClusters module (Windows Server 2016+)"
            return $script:Skipped
        }
        Get-ClusterFaultDomain -CimSession $clusterName |
            Select-Object Name, Id, Type, ParentName, ChildrenNames, Location, Description }
}
$done = 0
foreach ($cmdlet in $clusterSteps.Keys) {
    Write-Progress -Activity "hvlab: cluster $clusterName" -Status $cmdlet `
        -PercentComplete (100 * $done / $clusterSteps.Count)
    $action = $clusterSteps[$cmdlet]
    Invoke-Step "$cmdlet ($clusterName)" {
        Save-Step -Path (Join-Path $OutputPath "${clusterName}_$cmdlet.json") -Action $action
    }
    $done++
}
Write-Progress -Activity "hvlab: cluster $clusterName" -Completed

# ------------------------------------------------------------------ per-node cmdlets
$cimExclude = @('CimClass', 'CimInstanceProperties', 'CimSystemProperties')
$nodeIndex = 0
foreach ($node in $nodes) {
    $nodeIndex++
    $activity = "hvlab: node $node ($nodeIndex of $($nodes.Count))"
    $script:session = $null
    Invoke-Step "CIM session to $node" { $script:session = New-CimSession -ComputerName $node }
    $session = $script:session
    $nodeSteps = [ordered]@{
        'Get-NetAdapter'                 = { Get-NetAdapter -CimSession $session | Select-Object -Property * -ExcludeProperty $cimExclude }
        'Get-NetAdapterAdvancedProperty' = { Get-NetAdapterAdvancedProperty -CimSession $session | Select-Object -Property * -ExcludeProperty $cimExclude }
        'Get-NetLbfoTeam'                = { Get-NetLbfoTeam -CimSession $session | Select-Object -Property * -ExcludeProperty $cimExclude }
        'Get-NetLbfoTeamMember'          = { Get-NetLbfoTeamMember -CimSession $session | Select-Object -Property * -ExcludeProperty $cimExclude }
        'Get-NetLbfoTeamNic'             = { Get-NetLbfoTeamNic -CimSession $session | Select-Object -Property * -ExcludeProperty $cimExclude }
        'Get-VMSwitch'                   = { Get-VMSwitch -ComputerName $node |
                Select-Object Name, Id, SwitchType, NetAdapterInterfaceDescription, AllowManagementOS,
                BandwidthReservationMode, IovEnabled, ComputerName }
        'Get-VMNetworkAdapter'           = { Get-VMNetworkAdapter -ComputerName $node -All |
                Select-Object Name, VMName, VMId, SwitchName, MacAddress, IPAddresses, IsManagementOs,
                DynamicMacAddressEnabled, VmqWeight, IovWeight, AllowTeaming, ComputerName,
                @{ Name = 'VlanSetting'; Expression = { $_.VlanSetting | Select-Object OperationMode, AccessVlanId } } }
        'Get-VM'                         = { Get-VM -ComputerName $node |
                Select-Object Name, Id, VMId, State, ComputerName, MemoryStartup, MemoryMinimum, MemoryMaximum,
                DynamicMemoryEnabled, AutomaticStopAction, AutomaticStartAction, IntegrationServicesVersion,
                Path, ConfigurationLocation, ProcessorCount, Generation, Version, IsClustered, ReplicationMode }
        'Get-VMHost'                     = { Get-VMHost -ComputerName $node |
                Select-Object Name, ComputerName, FullyQualifiedDomainName, LogicalProcessorCount, MemoryCapacity,
                VirtualMachinePath, VirtualHardDiskPath, VirtualMachineMigrationEnabled,
                MaximumVirtualMachineMigrations, MaximumStorageMigrations }
        # Every replication relationship on the node (Primary, Replica, ExtendedReplica).
        # No VM replicating is an empty array; a module without the cmdlet is a SKIP.
        'Get-VMReplication'              = {
            if (-not (Get-Command Get-VMReplication -ErrorAction SilentlyContinue)) {
                Write-Log "SKIP  Get-VMReplication ($node): not in this Hyper-V module"
                return $script:Skipped
            }
            Get-VMReplication -ComputerName $node |
                Select-Object VMName, VMId, ComputerName, ReplicationMode, ReplicationState, ReplicationHealth,
                ReplicationRelationshipType, PrimaryServerName, ReplicaServerName, CurrentReplicaServerName,
                ReplicationFrequencySec, FrequencySec, RecoveryHistory, ReplicaServerPort, AuthenticationType,
                CompressionEnabled, LastReplicationTime }
        # The failover TCP/IP settings of the adapters of VMs that replicate. The cmdlet's
        # objects hold only addresses: the VM and adapter they belong to are added here.
        # An adapter whose settings cannot be read is listed with the error, not left out.
        'Get-VMNetworkAdapterFailoverConfiguration' = {
            if (-not (Get-Command Get-VMNetworkAdapterFailoverConfiguration -ErrorAction SilentlyContinue)) {
                Write-Log "SKIP  Get-VMNetworkAdapterFailoverConfiguration ($node): not in this Hyper-V module"
                return $script:Skipped
            }
            $replicating = @(Get-VM -ComputerName $node | Where-Object { [string]$_.ReplicationMode -ne 'None' })
            $adapters = @(foreach ($vm in $replicating) { Get-VMNetworkAdapter -VM $vm })
            foreach ($adapter in $adapters) {
                $row = [ordered]@{
                    VMName               = $adapter.VMName
                    VMId                 = [string]$adapter.VMId
                    VMNetworkAdapterName = $adapter.Name
                    MacAddress           = $adapter.MacAddress
                    ComputerName         = $node
                }
                foreach ($key in $failoverKeys) { $row[$key] = $null }
                $row['FailoverConfigurationError'] = $null
                try {
                    $setting = Get-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $adapter -ErrorAction Stop |
                        Select-Object -First 1
                    if ($null -ne $setting) {
                        foreach ($key in $failoverKeys) { $row[$key] = $setting.$key }
                    }
                }
                catch {
                    $row['FailoverConfigurationError'] = $_.Exception.Message
                }
                [pscustomobject]$row
            }
        }
    }
    $done = 0
    foreach ($cmdlet in $nodeSteps.Keys) {
        Write-Progress -Activity $activity -Status $cmdlet -PercentComplete (100 * $done / ($nodeSteps.Count + 2))
        $action = $nodeSteps[$cmdlet]
        Invoke-Step "$cmdlet ($node)" {
            if ($cmdlet -like 'Get-Net*' -and $null -eq $session) { throw 'no CIM session' }
            Save-Step -Path (Join-Path $OutputPath "${node}_$cmdlet.json") -Action $action
        }
        $done++
    }

    # Event logs as event XML (what Get-WinEvent ... | ForEach-Object ToXml writes).
    Write-Progress -Activity $activity -Status 'event logs' -PercentComplete (100 * $done / ($nodeSteps.Count + 2))
    foreach ($channel in $Channels) {
        Invoke-Step "$channel ($node)" {
            $file = Join-Path (Join-Path $OutputPath 'events') "${node}_$channel.xml"
            try {
                $events = @(Get-WinEvent -ComputerName $node -LogName $channel -MaxEvents $MaxEvents)
            }
            catch [System.Exception] {
                if ($_.FullyQualifiedErrorId -like 'NoMatchingEventsFound*') { $events = @() } else { throw }
            }
            $xml = ($events | ForEach-Object { $_.ToXml() }) -join [Environment]::NewLine
            Save-Text -Path $file -Text ('<Events>' + [Environment]::NewLine + $xml + [Environment]::NewLine + '</Events>')
        }
    }
    $done++

    # IIS configuration, read through the admin share (admin$ is %windir%).
    Write-Progress -Activity $activity -Status 'IIS' -PercentComplete (100 * $done / ($nodeSteps.Count + 2))
    Invoke-Step "applicationHost.config ($node)" {
        $source = "\\$node\admin$\System32\inetsrv\config\applicationHost.config"
        if (Test-Path -LiteralPath $source) {
            Copy-Item -LiteralPath $source -Destination (Join-Path (Join-Path $OutputPath 'iis') "${node}_applicationHost.config")
        }
        else {
            Write-Log "      no IIS configuration on $node"
        }
    }
    if ($null -ne $session) { Remove-CimSession -CimSession $session }
    Write-Progress -Activity $activity -Completed
}

# ------------------------------------------------------------------ cluster registry
Invoke-Step 'reg export HKLM\Cluster\Groups' {
    $target = Join-Path (Join-Path $OutputPath 'cluster') 'Groups.reg'
    & reg.exe export 'HKLM\Cluster\Groups' $target /y | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "reg.exe exited with $LASTEXITCODE" }
}

# ------------------------------------------------------------------ VMM database (optional)
if ($VmmSqlInstance) {
    Invoke-Step "tbl_WLC_VMInstance ($VmmSqlInstance)" {
        if (-not (Get-Command Invoke-Sqlcmd -ErrorAction SilentlyContinue)) { throw 'Invoke-Sqlcmd (SqlServer module) not found' }
        $rows = Invoke-Sqlcmd -ServerInstance $VmmSqlInstance -Database $VmmDatabase `
            -Query 'SELECT * FROM dbo.tbl_WLC_VMInstance'
        $csv = ($rows | Select-Object -Property * -ExcludeProperty RowError, RowState, Table, ItemArray, HasErrors |
            ConvertTo-Csv -NoTypeInformation) -join [Environment]::NewLine
        Save-Text -Path (Join-Path (Join-Path $OutputPath 'vmm') 'tbl_WLC_VMInstance.csv') -Text $csv
    }
}

Write-Log "done, $($script:Failures) step(s) failed"
if ($script:Failures -gt 0) {
    Write-Warning "$($script:Failures) step(s) failed; see $script:LogFile"
}
Write-Host "hvlab export written to $OutputPath"
Write-Host "Next: copy the folder to a machine with hvlab and run: hvlab audit `"$OutputPath`""
