"""CT images carrying the patient names of pydicom's charset test files, in their character sets.

argv[1] = output folder. For each charset file with a Patient's Name: CT_small.dcm with that
file's Specific Character Set, and its Patient's Name encoded by pydicom in that character set
(ISO 2022 escape sequences included), Patient ID CS-<name>, fresh Study/Series/SOP Instance UIDs.
Prints one JSON line per file: name, charset, the encoded name bytes (hex) and pydicom's decoding.
"""
import glob, json, os, sys, warnings
import pydicom
from pydicom.uid import generate_uid

warnings.simplefilter("ignore")
CS = "/usr/lib/python3/dist-packages/pydicom/data/charset_files"
CT = "/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm"
out = sys.argv[1]
for path in sorted(glob.glob(f"{CS}/chr*.dcm")):
    name = os.path.basename(path)[:-4]
    src = pydicom.dcmread(path)
    if "PatientName" not in src or "SpecificCharacterSet" not in src:
        continue
    ds = pydicom.dcmread(CT)
    for tag in list(ds.keys()):
        if tag.group % 2 == 1:
            del ds[tag]  # private GE groups: not part of the test
    ds.SpecificCharacterSet = src.SpecificCharacterSet
    ds.PatientName = str(src.PatientName)
    ds.PatientID = f"CS-{name}"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    target = f"{out}/{name}.dcm"
    ds.save_as(target, write_like_original=True)
    check = pydicom.dcmread(target)
    print(json.dumps({
        "name": name,
        "file": target,
        "charset": list(check.SpecificCharacterSet) if check["SpecificCharacterSet"].VM > 1 else [str(check.SpecificCharacterSet)],
        "rawHex": check.get_item(0x00100010).value.hex(),
        "decoded": str(check.PatientName),
    }, ensure_ascii=False))
