# MintPy's `mintpy.load.*` template lines for each processor sbas simulates: MintPy's default paths
# (mintpy/defaults/auto_path.py) with the reference pair's folder given by a glob, relative to the
# stack's `mintpy/` folder. Sourced by scripts/compare-run.sh and the fixture scripts.
mintpy_load_template() { # $1 = processor
    case "$1" in
    isce-stripmap) cat <<'T'
mintpy.load.processor      = isce
mintpy.load.metaFile       = ../merged/SLC/*/referenceShelve/data.dat
mintpy.load.baselineDir    = ../baselines
mintpy.load.unwFile        = ../Igrams/*/filt*.unw
mintpy.load.corFile        = ../Igrams/*/filt*.cor
mintpy.load.connCompFile   = ../Igrams/*/filt*.unw.conncomp
mintpy.load.demFile        = ../geom_reference/hgt.rdr
mintpy.load.lookupYFile    = ../geom_reference/lat.rdr
mintpy.load.lookupXFile    = ../geom_reference/lon.rdr
mintpy.load.incAngleFile   = ../geom_reference/los.rdr
mintpy.load.azAngleFile    = ../geom_reference/los.rdr
mintpy.load.shadowMaskFile = ../geom_reference/shadowMask.rdr
mintpy.load.waterMaskFile  = ../geom_reference/waterMask.rdr
T
    ;;
    roipac) cat <<'T'
mintpy.load.processor      = roipac
mintpy.load.unwFile        = ../PROCESS/DONE/IFG*/filt*.unw
mintpy.load.corFile        = ../PROCESS/DONE/IFG*/filt*.cor
mintpy.load.connCompFile   = ../PROCESS/DONE/IFG*/filt*snap_connect.byt
mintpy.load.demFile        = ../PROCESS/DONE/*/radar_*rlks.hgt
mintpy.load.lookupYFile    = ../PROCESS/GEO/geo_*/geomap_*rlks.trans
mintpy.load.lookupXFile    = ../PROCESS/GEO/geo_*/geomap_*rlks.trans
T
    ;;
    gamma) cat <<'T'
mintpy.load.processor      = gamma
mintpy.load.unwFile        = ../PROCESS/DONE/IFG*/diff*rlks.unw
mintpy.load.corFile        = ../PROCESS/DONE/IFG*/*filt*rlks.cor
mintpy.load.connCompFile   = None
mintpy.load.demFile        = ../PROCESS/SIM/sim_*/sim*.hgt_sim
mintpy.load.lookupYFile    = ../PROCESS/SIM/sim_*/sim*.UTM_TO_RDC
mintpy.load.lookupXFile    = ../PROCESS/SIM/sim_*/sim*.UTM_TO_RDC
T
    ;;
    hyp3) cat <<'T'
mintpy.load.processor      = hyp3
mintpy.load.unwFile        = ../hyp3/*/*_unw_phase.tif
mintpy.load.corFile        = ../hyp3/*/*_corr.tif
mintpy.load.demFile        = ../hyp3/*/*_dem.tif
mintpy.load.incAngleFile   = ../hyp3/*/*_lv_theta.tif
mintpy.load.azAngleFile    = ../hyp3/*/*_lv_phi.tif
mintpy.load.waterMaskFile  = ../hyp3/*/*_water_mask.tif
T
    ;;
    snap) cat <<'T'
mintpy.load.processor      = snap
mintpy.load.unwFile        = ../interferograms/*/*/Unw_*.img
mintpy.load.corFile        = ../interferograms/*/*/coh_*.img
mintpy.load.demFile        = ../dem_tc.data/*.img
T
    ;;
    aria) cat <<'T'
mintpy.load.processor      = aria
mintpy.load.unwFile        = ../stack/unwrapStack.vrt
mintpy.load.corFile        = ../stack/cohStack.vrt
mintpy.load.connCompFile   = ../stack/connCompStack.vrt
mintpy.load.demFile        = ../DEM/glo_90.dem
mintpy.load.incAngleFile   = ../incidenceAngle/*.vrt
mintpy.load.azAngleFile    = ../azimuthAngle/*.vrt
mintpy.load.waterMaskFile  = ../mask/esa_world_cover_2021.msk
T
    ;;
    *) echo "unknown processor $1" >&2; exit 2 ;;
    esac
}
