{{- define "agentjob-sync.labels" -}}
app.kubernetes.io/part-of: agentjob-sync
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "agentjob-sync.secretName" -}}
{{- if .Values.secrets }}{{ .Release.Name }}-secrets{{ else }}{{ .Values.existingSecret }}{{ end -}}
{{- end }}

{{- define "agentjob-sync.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* The container shared by both Deployments; .role is silo or watchhost. */}}
{{- define "agentjob-sync.container" -}}
- name: {{ .role }}
  image: "{{ .root.Values.image.repository }}:{{ .root.Values.image.tag }}"
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  args: ["{{ .role }}"]
  envFrom:
    - configMapRef:
        name: {{ .root.Release.Name }}-config
  env:
    {{- if eq .role "silo" }}
    - name: DB_URL
      valueFrom:
        secretKeyRef:
          name: {{ include "agentjob-sync.secretName" .root }}
          key: DB_URL
    {{- end }}
    - name: POD_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    - name: POD_NAMESPACE
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: LISTEN_PORT
      value: "{{ .root.Values.clusterPort }}"
    - name: DATA_DIR
      value: /tmp/data
  ports:
    - {name: http, containerPort: {{ .root.Values.config.PORT | int }}}
    - {name: cluster, containerPort: {{ .root.Values.clusterPort }}}
  livenessProbe:
    httpGet: {path: /healthz, port: http}
    periodSeconds: 10
  readinessProbe:
    httpGet: {path: /readyz, port: http}
    periodSeconds: 5
  resources: {{- toYaml .resources | nindent 4 }}
  securityContext: {{- include "agentjob-sync.securityContext" .root | nindent 4 }}
  volumeMounts:
    - {name: tmp, mountPath: /tmp}
{{- end }}
