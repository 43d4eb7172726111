{{- define "agentjob-sync.name" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end }}

{{- define "agentjob-sync.labels" -}}
app.kubernetes.io/name: agentjob-sync
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* Selector labels of one component; call with (dict "root" $ "component" "silo"). */}}
{{- define "agentjob-sync.selector" -}}
app.kubernetes.io/name: agentjob-sync
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "agentjob-sync.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* The Secret holding DB_URL: the chart's own, or existingSecret. Rendering fails without either. */}}
{{- define "agentjob-sync.dbSecretName" -}}
{{- if .Values.existingSecret -}}
{{ .Values.existingSecret }}
{{- else -}}
{{- $_ := required "DB_URL is required: set secrets.DB_URL (MongoDB 6+, replica set) or existingSecret (a Secret with the key DB_URL)" (.Values.secrets | default dict).DB_URL -}}
{{ include "agentjob-sync.name" . }}-secrets
{{- end -}}
{{- end }}

{{/* The ConfigMap's data: `config`, with CLUSTER_ID and SERVICE_ID defaulting to the release name (one cluster per release). */}}
{{- define "agentjob-sync.config" -}}
{{- $name := include "agentjob-sync.name" . -}}
{{- merge (deepCopy .Values.config) (dict "CLUSTER_ID" $name "SERVICE_ID" $name) | toYaml -}}
{{- end }}

{{/* The label value the membership objects of this release's cluster carry (src/Clustering.Kubernetes ResourceNames.ClusterKey). */}}
{{- define "agentjob-sync.clusterKey" -}}
{{- (include "agentjob-sync.config" . | fromYaml).CLUSTER_ID | toString | sha256sum | trunc 20 -}}
{{- end }}

{{/* Every key of `secrets` as an environment variable from the chart's Secret; call with (dict "root" $ "except" (list ...)). */}}
{{- define "agentjob-sync.secretEnv" -}}
{{- $name := include "agentjob-sync.name" .root -}}
{{- range $key, $_ := .root.Values.secrets }}
{{- if not (has $key $.except) }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $name }}-secrets
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end }}

{{/* Seconds as the processes' hh:mm:ss durations. */}}
{{- define "agentjob-sync.duration" -}}
{{- $s := int . -}}
{{- printf "%02d:%02d:%02d" (div $s 3600) (mod (div $s 60) 60) (mod $s 60) -}}
{{- end }}

{{- define "agentjob-sync.antiAffinity" -}}
{{- $selector := include "agentjob-sync.selector" (dict "root" .root "component" .component) -}}
podAntiAffinity:
{{- if eq .mode "hard" }}
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels: {{- $selector | nindent 10 }}
{{- else }}
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels: {{- $selector | nindent 12 }}
{{- end }}
{{- end }}

{{/* The downward API values both processes read. */}}
{{- define "agentjob-sync.downwardEnv" -}}
- name: POD_NAME
  valueFrom: {fieldRef: {fieldPath: metadata.name}}
- name: POD_NAMESPACE
  valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
- name: POD_IP
  valueFrom: {fieldRef: {fieldPath: status.podIP}}
{{- end }}

{{/* WATCH_NAMESPACES: watchNamespaces joined, the release namespace written $(POD_NAMESPACE) so an overlay's namespace applies. */}}
{{- define "agentjob-sync.watchNamespaces" -}}
{{- $names := list -}}
{{- range .Values.watchNamespaces }}
{{- $names = append $names (eq . $.Release.Namespace | ternary "$(POD_NAMESPACE)" .) -}}
{{- end -}}
{{- join "," $names -}}
{{- end }}
