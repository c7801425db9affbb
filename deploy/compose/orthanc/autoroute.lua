-- Orthanc in deploy/compose.yaml: auto-route every instance a modality stores to the UniMIE node
-- (DicomModalities "unimie"), as a PACS routing rule would. What the node sends back (calling AE
-- UNIMIE) and what was uploaded through the web interface stay in Orthanc.
function OnStoredInstance(instanceId, tags, metadata, origin)
  if origin['RequestOrigin'] == 'DicomProtocol' and origin['RemoteAet'] ~= 'UNIMIE' then
    SendToModality(instanceId, 'unimie')
  end
end
