package synth

import "github.com/portolan/portolan/data"

// The words synthetic documents are made of. Names and purposes hold no digits
// (the table reader takes a short cell with a digit for a port list), no " and "
// and no "." (the Microsoft-style prose names two endpoints with "between the X
// and the Y."), and no direction words (a purpose saying "inbound" sets the flow's
// direction).

var vendors = []string{
	"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Tyrell", "Cyberdyne",
	"Soylent", "Wonka", "Oscorp", "Aperture", "Nakatomi", "Monarch", "Gringotts", "Wayland",
	"Dunder", "Prestige", "Sirius", "Pendant",
}

// jaVendors name the vendors of Japanese documents.
var jaVendors = []string{"Kumo", "Sakura", "Hoshi", "Yamato", "Kaze", "Mirai", "Tsubasa", "Hikari"}

var products = []string{
	"Orbit", "Beacon", "Harbor", "Keystone", "Lighthouse", "Compass", "Sentinel", "Atlas",
	"Meridian", "Halyard", "Sextant", "Anchor", "Quarry", "Lantern", "Pillar", "Summit",
	"Cascade", "Vector", "Bastion", "Trellis",
}

// components are the endpoints of English documents; each document uses a few.
var components = []string{
	"Admin workstation", "Management server", "Web console", "Agents", "Relay server",
	"Database server", "Domain controllers", "DNS servers", "NTP server", "Mail relay",
	"Proxy server", "Log collector", "Syslog server", "RADIUS server", "Directory server",
	"File server", "Backup appliance", "Cluster nodes", "Load balancer", "Edge gateway",
	"Cloud connector", "License server", "Update service", "Monitoring server",
	"Reporting server", "Jump host", "Hypervisor hosts", "Storage array",
	"Certificate authority", "Identity provider", "SIEM collector", "Web clients",
	"Mobile devices", "Remote users", "Branch appliance", "Scan engine", "Policy server",
	"Message broker", "Cache nodes", "Analytics service", "Print server",
	"Virtual desktops", "Session hosts", "Kubernetes nodes", "Build agents",
}

// jaComponent is an endpoint of a Japanese document with its English gloss. No
// name holds another (a direction naming "X" resolves to the section's subject
// when the subject's name contains X).
type jaComponent struct{ ja, en string }

var jaComponents = []jaComponent{
	{"管理サーバー", "management server"}, {"配信サーバー", "distribution server"},
	{"中継サーバー", "relay server"}, {"管理対象PC", "managed PC"},
	{"データベースサーバー", "database server"}, {"ログ収集サーバー", "log collection server"},
	{"認証サーバー", "authentication server"}, {"プロキシサーバー", "proxy server"},
	{"監視サーバー", "monitoring server"}, {"バックアップサーバー", "backup server"},
	{"ファイルサーバー", "file server"}, {"メールサーバー", "mail server"},
	{"Webコンソール", "web console"}, {"モバイル端末", "mobile devices"},
	{"ドメインコントローラー", "domain controllers"}, {"ゲートウェイ装置", "gateway appliance"},
	{"ライセンスサーバー", "license server"}, {"クラウドサービス", "cloud service"},
	{"スキャンエンジン", "scan engine"}, {"エージェント端末", "agent machines"},
}

// features qualify section headings.
var features = []string{
	"Administration", "High availability", "Monitoring", "Directory integration",
	"Cloud connectivity", "Remote access", "Database", "Licensing", "Software updates",
	"Logging", "Backup", "Authentication", "Replication", "Reporting",
	"Mobile device management", "Patch management", "Clustering", "Telemetry",
}

var jaFeatures = []jaComponent{
	{"基本機能", "basic functions"}, {"リモート制御機能", "remote control"},
	{"OS配布機能", "OS deployment"}, {"モバイルデバイス管理機能", "mobile device management"},
	{"ログ収集機能", "log collection"}, {"バックアップ機能", "backup"}, {"監視機能", "monitoring"},
	{"パッチ管理機能", "patch management"}, {"ソフトウェア配布機能", "software distribution"},
	{"資産管理機能", "asset management"},
}

// services are the kinds of traffic a product needs, weighted roughly as vendor
// documents list them: HTTPS most, then the directory and Windows ports, and
// high ranges (dynamic RPC, media, ephemeral) on about one flow in eight, so that
// a port filter such as port=50000 matches a sizeable share.
type service struct {
	weight     int
	app        string   // application protocol word ("HTTPS", "LDAP"), or ""
	typeWord   bool     // app alone in a Type column implies exactly transports
	label      string   // what a Microsoft-style Protocol column calls it instead of app, or ""
	transports []string // in the extractor's order: TCP, UDP, ICMP
	portSets   [][]data.PortRange
	en         []string // purposes
	ja         []string // Japanese purposes (keys of jaGlosses); none: the generic ones
}

func p(ports ...int) []data.PortRange {
	out := make([]data.PortRange, len(ports))
	for i, n := range ports {
		out[i] = data.PortRange{From: n, To: n}
	}
	return out
}

func rg(from, to int) data.PortRange { return data.PortRange{From: from, To: to} }

var (
	tcp    = []string{"TCP"}
	udp    = []string{"UDP"}
	tcpUDP = []string{"TCP", "UDP"}
)

var services = []service{
	{weight: 150, app: "HTTPS", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(443)},
		en: []string{"Web console access", "REST API calls", "Agent check-in and policy download", "Software update downloads",
			"Telemetry upload", "Single sign-on redirects", "Certificate enrolment", "Cloud service synchronisation",
			"License validation", "Event forwarding to the cloud service", "Secure file transfer", "Dashboard access"},
		ja: []string{"管理コンソールへのアクセス", "エージェントとサーバー間の通信", "クラウドサービスとの同期", "ライセンス認証", "インベントリ情報の送信"}},
	{weight: 35, app: "HTTP", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(80)},
		en: []string{"Certificate revocation list downloads", "Initial requests redirected to HTTPS", "Package repository access", "Health probe"},
		ja: []string{"パッチファイルのダウンロード", "証明書失効リストの確認"}},
	{weight: 40, transports: tcp, portSets: [][]data.PortRange{p(80, 443), p(443, 8443), p(80, 443, 8443)},
		en: []string{"Web console access", "Software update downloads", "Web services", "Reverse proxy listener"},
		ja: []string{"管理コンソールへのアクセス", "パッチファイルのダウンロード", "ソフトウェア配布"}},
	{weight: 40, transports: tcp, portSets: [][]data.PortRange{p(8443), p(8080), p(9443), p(8080, 8443), p(8020), p(8383)},
		en: []string{"Management API", "Agent communication", "Administration interface", "Notification channel", "Remote console"},
		ja: []string{"エージェントとサーバー間の通信", "リモート制御", "ファイル転送"}},
	{weight: 40, app: "SSH", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(22)},
		en: []string{"Administrator shell access", "File copy with SCP", "Configuration backup over SFTP", "Remote command execution"},
		ja: []string{"構成情報のバックアップ", "リモート制御"}},
	{weight: 35, app: "DNS", typeWord: true, transports: tcpUDP, portSets: [][]data.PortRange{p(53)},
		en: []string{"Name resolution", "Domain controller lookups", "Service record lookups"},
		ja: []string{"名前解決"}},
	{weight: 10, app: "DNS", transports: udp, portSets: [][]data.PortRange{p(53)},
		en: []string{"Name resolution"}, ja: []string{"名前解決"}},
	{weight: 25, app: "Kerberos", typeWord: true, transports: tcpUDP, portSets: [][]data.PortRange{p(88), p(88, 464)},
		en: []string{"Kerberos authentication", "Ticket requests", "Password changes"},
		ja: []string{"Active Directoryとの認証連携"}},
	{weight: 25, app: "NTP", typeWord: true, transports: udp, portSets: [][]data.PortRange{p(123)},
		en: []string{"Time synchronisation"}, ja: []string{"時刻同期"}},
	{weight: 20, app: "MS-RPC", typeWord: true, label: "RPC Endpoint Mapper", transports: tcp, portSets: [][]data.PortRange{p(135)},
		en: []string{"RPC endpoint mapper", "Remote management calls", "Service control"},
		ja: []string{"Windowsエージェントのプッシュインストール"}},
	{weight: 45, app: "RPC", label: "Dynamic RPC", transports: tcp, portSets: [][]data.PortRange{{rg(49152, 65535)}},
		en: []string{"Dynamic RPC ports", "Replication over dynamic RPC", "WMI queries", "Remote registry access"},
		ja: []string{"動的RPCポートによる通信"}},
	{weight: 20, app: "RPC", transports: tcp, portSets: [][]data.PortRange{{rg(135, 135), rg(49152, 65535)}},
		en: []string{"RPC endpoint mapper with dynamic ports", "Remote service management", "Event log collection"},
		ja: []string{"動的RPCポートによる通信", "Windowsエージェントのプッシュインストール"}},
	{weight: 5, label: "Legacy RPC range", transports: tcp, portSets: [][]data.PortRange{{rg(1025, 5000)}, {rg(1024, 5000)}},
		en: []string{"Legacy dynamic RPC ports"}, ja: []string{"動的RPCポートによる通信"}},
	{weight: 25, app: "SMB", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(445), p(139, 445)},
		en: []string{"File share access", "Agent push installation", "Log collection from shares"},
		ja: []string{"Windowsエージェントのプッシュインストール", "ファイル転送"}},
	{weight: 8, label: "NetBIOS", transports: udp, portSets: [][]data.PortRange{p(137, 138)},
		en: []string{"NetBIOS name service"}, ja: []string{"名前解決"}},
	{weight: 30, app: "LDAP", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(389)},
		en: []string{"Directory lookups", "User and group queries", "Authentication against the directory"},
		ja: []string{"Active Directoryとの認証連携", "ドメインコントローラーとの通信"}},
	{weight: 8, app: "LDAP", transports: tcpUDP, portSets: [][]data.PortRange{p(389)},
		en: []string{"Directory lookups", "Domain controller locator"}, ja: []string{"ドメインコントローラーとの通信"}},
	{weight: 15, app: "LDAPS", typeWord: true, label: "LDAP/SSL", transports: tcp, portSets: [][]data.PortRange{p(636)},
		en: []string{"Secure directory lookups", "Encrypted user queries"}, ja: []string{"ドメインコントローラーとのセキュア通信"}},
	{weight: 10, app: "Global Catalog", transports: tcp, portSets: [][]data.PortRange{p(3268), p(3268, 3269)},
		en: []string{"Global catalog searches", "Forest-wide user lookups"}, ja: []string{"ドメインコントローラーとの通信"}},
	{weight: 20, app: "SNMP", typeWord: true, transports: udp, portSets: [][]data.PortRange{p(161), p(161, 162), p(162)},
		en: []string{"SNMP polling", "SNMP traps", "Device health queries"}, ja: []string{"SNMPトラップの受信", "死活監視"}},
	{weight: 20, app: "Syslog", typeWord: true, transports: udp, portSets: [][]data.PortRange{p(514)},
		en: []string{"Syslog forwarding", "Audit log export"}, ja: []string{"Syslogの受信", "ログの転送"}},
	{weight: 15, app: "RADIUS", typeWord: true, transports: udp, portSets: [][]data.PortRange{p(1812), p(1812, 1813), p(1645, 1812)},
		en: []string{"RADIUS authentication", "RADIUS accounting"}, ja: []string{"認証サーバーとの通信"}},
	{weight: 5, app: "TACACS", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(49)},
		en: []string{"TACACS authentication of administrators"}, ja: []string{"認証サーバーとの通信"}},
	{weight: 15, app: "SMTP", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(25), p(587), p(25, 587)},
		en: []string{"Email notifications", "Alert mail relay"}, ja: []string{"メール通知の送信"}},
	{weight: 20, app: "RDP", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(3389)},
		en: []string{"Remote desktop sessions", "Administrator remote access"}, ja: []string{"リモートデスクトップ共有"}},
	{weight: 20, app: "WinRM", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(5985), p(5985, 5986)},
		en: []string{"Remote PowerShell management", "WinRM listener"}, ja: []string{"リモート制御"}},
	{weight: 20, app: "TSQL", typeWord: true, label: "SQL Server", transports: tcp, portSets: [][]data.PortRange{p(1433)},
		en: []string{"Database connections", "Reporting database queries"}, ja: []string{"データベースへのアクセス"}},
	{weight: 10, label: "PostgreSQL", transports: tcp, portSets: [][]data.PortRange{p(5432)},
		en: []string{"Bundled database access"}, ja: []string{"データベースへのアクセス"}},
	{weight: 5, label: "MySQL", transports: tcp, portSets: [][]data.PortRange{p(3306)},
		en: []string{"Metadata database access"}, ja: []string{"データベースへのアクセス"}},
	{weight: 5, app: "VNC", typeWord: true, transports: tcp, portSets: [][]data.PortRange{p(5900)},
		en: []string{"Console access over VNC"}, ja: []string{"リモート制御"}},
	{weight: 15, label: "ICA/HDX", transports: tcpUDP, portSets: [][]data.PortRange{p(1494), p(2598), p(1494, 2598)},
		en: []string{"Virtual desktop sessions", "Session reliability"}, ja: []string{"リモートデスクトップ共有"}},
	{weight: 25, transports: udp, portSets: [][]data.PortRange{{rg(50000, 59999)}, {rg(49152, 65535)}},
		en: []string{"Real-time media streams", "Voice and video traffic"}, ja: []string{"音声通話・ビデオ通話"}},
	{weight: 10, transports: udp, portSets: [][]data.PortRange{{rg(16384, 32767)}, {rg(10000, 20000)}},
		en: []string{"Media relay", "Screen sharing streams"}, ja: []string{"音声通話・ビデオ通話"}},
	{weight: 20, transports: tcp, portSets: [][]data.PortRange{{rg(1024, 65535)}},
		en: []string{"Ephemeral return traffic", "Dynamic data channels"}, ja: []string{"動的ポートによる戻り通信"}},
	{weight: 10, app: "FTP", typeWord: true, transports: tcp, portSets: [][]data.PortRange{{rg(21, 21), rg(50000, 50100)}},
		en: []string{"Passive FTP transfers", "Firmware uploads"}, ja: []string{"ファイル転送"}},
	{weight: 8, transports: udp, portSets: [][]data.PortRange{p(7000), p(3003)},
		en: []string{"Cluster heartbeat", "Node status exchange"}, ja: []string{"クラスター間の同期"}},
	{weight: 8, transports: tcp, portSets: [][]data.PortRange{p(3008, 3009), p(5454)},
		en: []string{"High availability synchronisation", "Configuration replication"}, ja: []string{"クラスター間の同期"}},
	{weight: 10, transports: tcp, portSets: [][]data.PortRange{p(27000, 7279), p(27000)},
		en: []string{"License checkout", "License server vendor daemon"}, ja: []string{"ライセンス認証"}},
	{weight: 15, transports: tcp, portSets: [][]data.PortRange{{rg(7800, 7803)}, {rg(8020, 8030)}, p(7801, 7802, 7803), {rg(16500, 16509)}},
		en: []string{"Replication between nodes", "Notification channel", "Worker pool"}, ja: []string{"エージェントとサーバー間の通信", "クラスター間の同期"}},
	{weight: 8, transports: []string{"ICMP"},
		en: []string{"Reachability checks", "Instance availability probe"}},
	{weight: 8, label: "IPFIX", transports: udp, portSets: [][]data.PortRange{p(4739), p(2055)},
		en: []string{"Flow telemetry export"}, ja: []string{"ログの転送"}},
	{weight: 8, label: "AMQP", transports: tcp, portSets: [][]data.PortRange{p(5671), p(5671, 5672)},
		en: []string{"Message queue", "Event bus"}, ja: []string{"エージェントとサーバー間の通信"}},
	{weight: 5, transports: tcp, portSets: [][]data.PortRange{p(6443), p(10250)},
		en: []string{"Cluster API", "Node agent API"}, ja: []string{"監視データの収集"}},
	{weight: 5, transports: tcp, portSets: [][]data.PortRange{p(9090), p(9100)},
		en: []string{"Metrics scraping"}, ja: []string{"監視データの収集"}},
}

// jaGlosses are the English glosses of the Japanese phrases above, written the way
// the metadata of the shipped Japanese document glosses its text.
var jaGlosses = map[string]string{
	"エージェントとサーバー間の通信":          "Agent–server communication",
	"管理コンソールへのアクセス":            "Access to the management console",
	"パッチファイルのダウンロード":           "Downloading patch files",
	"インベントリ情報の送信":              "Sending inventory data",
	"ソフトウェア配布":                 "Software distribution",
	"リモート制御":                   "Remote control",
	"ファイル転送":                   "File transfer",
	"ログの転送":                    "Log forwarding",
	"時刻同期":                     "Time synchronisation",
	"名前解決":                     "Name resolution",
	"Active Directoryとの認証連携":   "Authentication with Active Directory",
	"ドメインコントローラーとの通信":          "Communication with domain controllers",
	"ドメインコントローラーとのセキュア通信":      "Secure communication with domain controllers",
	"メール通知の送信":                 "Sending email notifications",
	"データベースへのアクセス":             "Database access",
	"ライセンス認証":                  "License activation",
	"死活監視":                     "Availability monitoring",
	"SNMPトラップの受信":              "Receiving SNMP traps",
	"Syslogの受信":                "Receiving syslog messages",
	"クラスター間の同期":                "Synchronisation between cluster nodes",
	"音声通話・ビデオ通話":               "Voice and video calls",
	"リモートデスクトップ共有":             "Remote desktop sharing",
	"クラウドサービスとの同期":             "Synchronisation with the cloud service",
	"Windowsエージェントのプッシュインストール": "Push installation of the Windows agent",
	"構成情報のバックアップ":              "Backing up the configuration",
	"証明書失効リストの確認":              "Checking certificate revocation lists",
	"動的RPCポートによる通信":            "Communication over dynamic RPC ports",
	"動的ポートによる戻り通信":             "Return traffic on dynamic ports",
	"認証サーバーとの通信":               "Communication with the authentication server",
	"監視データの収集":                 "Collecting monitoring data",
	"アプリケーション通信":               "Application traffic",
}

// Footnotes under tables: the first line explains the mark; a second line, when
// there is one, belongs to the same note.
var (
	enNotes = []string{
		"Only required when the high availability option is enabled.",
		"Open this port only while remote database access is in use.",
		"The port can be changed in the administration console.",
		"Not used when agents are installed manually.",
		"Required for cloud-connected deployments only.",
		"Traffic on this port must not pass through a TLS-inspecting proxy.",
		"Used only during the initial configuration wizard.",
	}
	enNoteMore = []string{
		"See the administration guide for details.",
		"After the change, restart the service on every node.",
	}
	jaNotes = []jaComponent{
		{"高可用性構成を使用する場合のみ必要です。", "Only needed when a high availability configuration is used."},
		{"リモートDBアクセス機能を使用する時のみポートを開放してください。", "Open the port only while the remote DB access feature is in use."},
		{"ポート番号は管理コンソールから変更できます。", "The port number can be changed from the management console."},
		{"エージェントを手動でインストールする場合は使用しません。", "Not used when the agent is installed manually."},
		{"クラウド連携を使用する場合のみ必要です。", "Only needed when the cloud integration is used."},
	}
	jaNoteMore = []jaComponent{
		{"詳細は管理者ガイドを参照してください。", "See the administrator's guide for details."},
		{"変更後はすべてのノードでサービスを再起動してください。", "After the change, restart the service on every node."},
	}
)

// Host lists after tables.
var (
	hostSubs      = []string{"api", "updates", "telemetry", "login", "license", "push", "status", "files", "relay", "gateway", "cdn", "auth"}
	hostTLDs      = []string{"com", "net", "io", "cloud"}
	wildcardWords = []string{"cloud", "edge", "cdn", "relay", "push", "content"}
	enGroups      = []string{"Domains to allow", "Allowed URLs", "Proxy allow list", "Cloud endpoints", "Required endpoints"}
	enRegions     = []string{"North America", "Europe", "Asia Pacific", "Australia"}
	regionPrefix  = map[string]string{"North America": "us", "Europe": "eu", "Asia Pacific": "ap", "Australia": "au", "北米": "us", "欧州": "eu", "アジア太平洋": "ap", "日本": "jp"}
	jaGroups      = []jaComponent{{"許可が必要なドメイン", "Domains to allow"}, {"通信先ドメイン一覧", "Destination domains"}, {"プロキシで許可するURL", "URLs to allow on the proxy"}}
	jaRegions     = []jaComponent{{"北米", "North America"}, {"欧州", "Europe"}, {"アジア太平洋", "Asia Pacific"}, {"日本", "Japan"}}
)

// Cloud endpoint tables (Required/Optional | Service | Endpoints | Port | Notes).
var (
	endpointServices = []string{"License Service", "Telemetry", "Product updates", "Sign-in", "Cloud backup", "Threat intelligence feed", "Support tunnel", "Status page"}
	endpointPurposes = []string{
		"Validates the license and reports usage", "Optional diagnostic data", "Checks for and downloads product updates",
		"Only required when signing in with a cloud account", "Stores encrypted backups in the cloud",
		"Downloads signature updates", "Remote support sessions when the customer allows them",
	}
)

// English section prose.
var (
	enIntros = []string{
		"Review the table below for the ports %s requires.",
		"The following ports must be open for %s:",
		"If a firewall separates these components, open the following ports for %s.",
		"Not all of these ports are needed; it depends on how %s is deployed.",
	}
	enClosings = []string{
		"Traffic to these hosts must bypass TLS inspection.",
		"Learn more in the deployment guide.",
		"Ports can be changed after installation; update the firewall rules to match.",
	}
	jaIntros = []string{
		"%sで使用するポートは次の通りです。",
		"以下のポートを開放してください。",
		"ファイアウォールで次のポートへの通信を許可してください。",
	}
	jaClosings = []string{
		"上記の通信をファイアウォールで許可してください。",
		"ポート番号を変更した場合は、ファイアウォールの設定も変更してください。",
	}
)
